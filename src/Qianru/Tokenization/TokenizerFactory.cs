using System.Text.Json;

namespace Qianru.Tokenization;

/// <summary>
/// Picks the tokenizer of a model folder: Unigram (SentencePiece, XLM-R style) when tokenizer.json's model.type is
/// Unigram, or without tokenizer.json when the folder has sentencepiece.bpe.model or tokenizer_config.json names an
/// XLM-RoBERTa tokenizer class; otherwise the caller's BERT WordPiece loader. Other tokenizer types are refused in one
/// line naming the file.
/// </summary>
internal static class TokenizerFactory
{
    private const string Supported = "Qianru runs WordPiece (BERT) and Unigram (SentencePiece, XLM-RoBERTa) tokenizers";

    /// <summary>
    /// The folder's Unigram tokenizer, or <see langword="null"/> when the folder holds a WordPiece tokenizer (tokenizer.json
    /// of type WordPiece, or vocab.txt) for the BERT loader.
    /// </summary>
    /// <param name="folder">The model folder.</param>
    /// <param name="tokenizerClass">tokenizer_config.json's tokenizer_class, if any.</param>
    /// <param name="paddingToken">tokenizer_config.json's pad_token, if any.</param>
    public static UnigramTokenizer? TryLoadUnigram(string folder, string? tokenizerClass, string? paddingToken)
    {
        var json = Path.Combine(folder, "tokenizer.json");
        if (File.Exists(json))
        {
            JsonDocument doc;
            try
            {
                using var stream = File.OpenRead(json);
                doc = JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 256 });
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{json}: not valid JSON ({ex.Message}).", ex);
            }

            using (doc)
            {
                var root = doc.RootElement;
                var type = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.Object
                    && model.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                return type switch
                {
                    "Unigram" => SentencePiece.UnigramTokenizerJson.Build(root, json, paddingToken),
                    "WordPiece" => null,
                    null => throw new InvalidDataException($"{json}: no model.type; expected a Hugging Face tokenizer.json ({Supported})."),
                    _ => throw new NotSupportedException($"{json}: the tokenizer model is {type}; {Supported}."),
                };
            }
        }

        var spm = Path.Combine(folder, "sentencepiece.bpe.model");
        var isXlmr = tokenizerClass?.Contains("XLMRoberta", StringComparison.Ordinal) == true;
        if (File.Exists(spm) && (isXlmr || !File.Exists(Path.Combine(folder, "vocab.txt"))))
        {
            return UnigramTokenizer.FromSentencePieceModel(spm);
        }

        if (isXlmr)
        {
            throw new QianruException($"{folder}: tokenizer_config.json names {tokenizerClass} but the folder has neither tokenizer.json nor sentencepiece.bpe.model.");
        }

        return null;
    }
}
