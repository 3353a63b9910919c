using System.Text.Json;

namespace Qianru.Tokenization.SentencePiece;

/// <summary>
/// Reads the parts of a Hugging Face <c>tokenizer.json</c> with a Unigram model into a <see cref="UnigramTokenizer"/>,
/// refusing in one line what it does not run (the file, the component and what is supported).
/// </summary>
internal static class UnigramTokenizerJson
{
    private const string SupportedNormalizers = "Precompiled, Replace, Strip and Sequence";
    private const string SupportedPreTokenizers = "Metaspace, WhitespaceSplit and Sequence";

    public static UnigramTokenizer Build(JsonElement root, string source, string? paddingToken)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{source}: no \"model\" object; expected a Hugging Face tokenizer.json.");
        }

        var type = model.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (type != "Unigram")
        {
            throw new NotSupportedException($"{source}: the tokenizer model is {type ?? "of no type"}; UnigramTokenizer reads Unigram (SentencePiece) models.");
        }

        var unigram = ReadModel(model, source);
        var normalizers = new List<TextNormalizer>();
        if (root.TryGetProperty("normalizer", out var normalizer) && normalizer.ValueKind != JsonValueKind.Null)
        {
            ReadFlattened(normalizer, "normalizer", "normalizers", source, normalizers, ReadNormalizer);
        }

        var preTokenizers = new List<PreTokenizer>();
        if (root.TryGetProperty("pre_tokenizer", out var pre) && pre.ValueKind != JsonValueKind.Null)
        {
            ReadFlattened(pre, "pre_tokenizer", "pretokenizers", source, preTokenizers, ReadPreTokenizer);
        }

        var added = ReadAddedTokens(root, unigram, source);
        var (cls, sep) = ReadPostProcessor(root, unigram, added, source);
        var pad = 0;
        if (root.TryGetProperty("padding", out var padding) && padding.ValueKind == JsonValueKind.Object
            && padding.TryGetProperty("pad_id", out var padId) && padId.TryGetInt32(out var p))
        {
            pad = p;
        }
        else if (unigram.TryGetId(paddingToken ?? "<pad>", out var id))
        {
            pad = id;
        }

        return new UnigramTokenizer(unigram, [.. normalizers], [.. preTokenizers], added, cls, sep, pad);
    }

    private static UnigramModel ReadModel(JsonElement model, string source)
    {
        if (!model.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{source}: model.vocab is missing or not an array of [piece, score] pairs.");
        }

        var entries = new List<(string, double)>(vocab.GetArrayLength());
        foreach (var entry in vocab.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Array || entry.GetArrayLength() != 2 || entry[0].ValueKind != JsonValueKind.String
                || entry[1].ValueKind != JsonValueKind.Number)
            {
                throw new InvalidDataException($"{source}: model.vocab entry {entries.Count} is not a [piece, score] pair.");
            }

            entries.Add((entry[0].GetString()!, entry[1].GetDouble()));
        }

        int? unknown = null;
        if (model.TryGetProperty("unk_id", out var unk) && unk.ValueKind != JsonValueKind.Null)
        {
            unknown = unk.ValueKind == JsonValueKind.Number && unk.TryGetInt32(out var u)
                ? u
                : throw new InvalidDataException($"{source}: model.unk_id must be a number or null.");
        }

        var byteFallback = model.TryGetProperty("byte_fallback", out var bf) && bf.ValueKind == JsonValueKind.True;
        return new UnigramModel(entries, unknown, byteFallback, source);
    }

    /// <summary>
    /// Adds the <paramref name="component"/> <paramref name="e"/> to <paramref name="into"/>, read by <paramref name="readOne"/>
    /// (given its type); a Sequence adds its parts, its <paramref name="property"/> array, in order (nested Sequences too).
    /// </summary>
    private static void ReadFlattened<T>(JsonElement e, string component, string property, string source, List<T> into, Func<JsonElement, string?, string, T> readOne)
    {
        var type = TypeOf(e);
        if (type != "Sequence")
        {
            into.Add(readOne(e, type, source));
            return;
        }

        if (!e.TryGetProperty(property, out var list) || list.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{source}: {component} Sequence has no \"{property}\" array.");
        }

        foreach (var item in list.EnumerateArray())
        {
            ReadFlattened(item, component, property, source, into, readOne);
        }
    }

    private static TextNormalizer ReadNormalizer(JsonElement e, string? type, string source)
    {
        switch (type)
        {
            case "Precompiled":
                if (!e.TryGetProperty("precompiled_charsmap", out var map) || map.ValueKind != JsonValueKind.String)
                {
                    throw new InvalidDataException($"{source}: the Precompiled normalizer has no precompiled_charsmap string.");
                }

                byte[] blob;
                try
                {
                    blob = Convert.FromBase64String(map.GetString()!);
                }
                catch (FormatException)
                {
                    throw new InvalidDataException($"{source}: the precompiled_charsmap is not valid base64.");
                }

                return new PrecompiledNormalizer(PrecompiledCharsMap.Parse(blob, source));
            case "Replace":
                var content = e.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String
                    ? c.GetString()!
                    : throw new InvalidDataException($"{source}: the Replace normalizer has no content string.");
                if (!e.TryGetProperty("pattern", out var pattern) || pattern.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidDataException($"{source}: the Replace normalizer has no pattern object.");
                }

                if (pattern.TryGetProperty("String", out var literal) && literal.ValueKind == JsonValueKind.String)
                {
                    return new ReplaceNormalizer(literal.GetString(), null, content, source);
                }

                if (pattern.TryGetProperty("Regex", out var regex) && regex.ValueKind == JsonValueKind.String)
                {
                    return new ReplaceNormalizer(null, regex.GetString(), content, source);
                }

                throw new NotSupportedException($"{source}: a Replace normalizer pattern must be {{\"String\": …}} or {{\"Regex\": …}}.");
            case "Strip":
                return new StripNormalizer(Bool(e, "strip_left", true), Bool(e, "strip_right", true));
            default:
                throw new NotSupportedException($"{source}: normalizer {type ?? "of no type"} is not supported with a Unigram model; supported: {SupportedNormalizers}.");
        }
    }

    private static PreTokenizer ReadPreTokenizer(JsonElement e, string? type, string source)
    {
        switch (type)
        {
            case "WhitespaceSplit":
                return new WhitespaceSplitPreTokenizer();
            case "Metaspace":
                var replacement = e.TryGetProperty("replacement", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : "\u2581";
                if (replacement.Length != 1 || char.IsSurrogate(replacement[0]))
                {
                    throw new NotSupportedException($"{source}: Metaspace replacement \"{replacement}\" is not supported; it must be one character of the Basic Multilingual Plane, such as ▁.");
                }

                var scheme = PrependScheme.Always;
                if (e.TryGetProperty("prepend_scheme", out var ps) && ps.ValueKind == JsonValueKind.String)
                {
                    scheme = ps.GetString() switch
                    {
                        "always" => PrependScheme.Always,
                        "first" => PrependScheme.First,
                        "never" => PrependScheme.Never,
                        var other => throw new NotSupportedException($"{source}: Metaspace prepend_scheme \"{other}\" is not supported; use always, first or never."),
                    };
                }

                if (e.TryGetProperty("add_prefix_space", out var aps) && aps.ValueKind == JsonValueKind.False)
                {
                    if (scheme != PrependScheme.Never && e.TryGetProperty("prepend_scheme", out _))
                    {
                        throw new InvalidDataException($"{source}: Metaspace add_prefix_space false contradicts prepend_scheme \"{ps.GetString()}\".");
                    }

                    scheme = PrependScheme.Never;
                }

                return new MetaspacePreTokenizer(replacement[0], scheme, Bool(e, "split", true));
            default:
                throw new NotSupportedException($"{source}: pre_tokenizer {type ?? "of no type"} is not supported with a Unigram model; supported: {SupportedPreTokenizers}.");
        }
    }

    private static List<AddedToken> ReadAddedTokens(JsonElement root, UnigramModel model, string source)
    {
        var tokens = new List<AddedToken>();
        if (!root.TryGetProperty("added_tokens", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return tokens;
        }

        foreach (var item in list.EnumerateArray())
        {
            var content = item.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "";
            if (content.Length == 0)
            {
                continue;
            }

            // Hugging Face gives an added token the model's id for the same string, else the id in the file.
            if (!model.TryGetId(content, out var id))
            {
                id = item.TryGetProperty("id", out var i) && i.TryGetInt32(out var fileId) && fileId >= 0
                    ? fileId
                    : throw new InvalidDataException($"{source}: added token \"{content}\" has no valid id.");
            }

            tokens.Add(new AddedToken(content, id, Bool(item, "single_word", false), Bool(item, "lstrip", false), Bool(item, "rstrip", false),
                Bool(item, "normalized", !Bool(item, "special", false))));
        }

        return tokens;
    }

    private static (int Cls, int Sep) ReadPostProcessor(JsonElement root, UnigramModel model, List<AddedToken> added, string source)
    {
        const string Expected = "a single-sequence template of one special token, $A and one special token (<s> $A </s>)";
        if (!root.TryGetProperty("post_processor", out var post) || post.ValueKind == JsonValueKind.Null)
        {
            throw new NotSupportedException($"{source}: no post_processor; Qianru needs {Expected}.");
        }

        var type = TypeOf(post);
        if (type == "Sequence" && post.TryGetProperty("processors", out var processors) && processors.ValueKind == JsonValueKind.Array)
        {
            var useful = processors.EnumerateArray().Where(p => TypeOf(p) != "ByteLevel").ToList();
            if (useful.Count != 1)
            {
                throw new NotSupportedException($"{source}: post_processor Sequence of {processors.GetArrayLength()} processors is not supported; Qianru needs {Expected}.");
            }

            post = useful[0];
            type = TypeOf(post);
        }

        switch (type)
        {
            case "RobertaProcessing":
            case "BertProcessing":
                return (PairId(post, "cls", source), PairId(post, "sep", source));
            case "TemplateProcessing":
                if (!post.TryGetProperty("single", out var single) || single.ValueKind != JsonValueKind.Array || single.GetArrayLength() != 3
                    || !single[0].TryGetProperty("SpecialToken", out var first) || !single[1].TryGetProperty("Sequence", out var seq)
                    || !single[2].TryGetProperty("SpecialToken", out var last) || seq.GetProperty("id").GetString() != "A")
                {
                    throw new NotSupportedException($"{source}: TemplateProcessing single template {(post.TryGetProperty("single", out var s) ? s.GetRawText() : "(none)")} is not supported; Qianru needs {Expected}.");
                }

                return (TemplateId(post, first, model, added, source), TemplateId(post, last, model, added, source));
            default:
                throw new NotSupportedException($"{source}: post_processor {type ?? "of no type"} is not supported; Qianru needs {Expected} (TemplateProcessing or RobertaProcessing).");
        }
    }

    private static int PairId(JsonElement post, string name, string source) =>
        post.TryGetProperty(name, out var pair) && pair.ValueKind == JsonValueKind.Array && pair.GetArrayLength() == 2 && pair[1].TryGetInt32(out var id)
            ? id
            : throw new InvalidDataException($"{source}: post_processor.{name} must be a [token, id] pair.");

    private static int TemplateId(JsonElement post, JsonElement special, UnigramModel model, List<AddedToken> added, string source)
    {
        var name = special.TryGetProperty("id", out var n) ? n.GetString() ?? "" : "";
        if (post.TryGetProperty("special_tokens", out var map) && map.ValueKind == JsonValueKind.Object && map.TryGetProperty(name, out var entry)
            && entry.TryGetProperty("ids", out var ids) && ids.ValueKind == JsonValueKind.Array)
        {
            return ids.GetArrayLength() == 1 && ids[0].TryGetInt32(out var id)
                ? id
                : throw new NotSupportedException($"{source}: the template's special token {name} has {ids.GetArrayLength()} ids; only single-id special tokens are supported.");
        }

        if (added.FirstOrDefault(a => a.Content == name) is { } token)
        {
            return token.Id;
        }

        return model.TryGetId(name, out var vocabId) ? vocabId : throw new InvalidDataException($"{source}: the template's special token {name} has no id.");
    }

    private static string? TypeOf(JsonElement e) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;

    private static bool Bool(JsonElement e, string name, bool fallback) =>
        e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : fallback;
}
