using System.Globalization;

namespace Qianru.Encodings;

/// <summary>
/// A vocabulary of tokens (characters or words) numbered in first-seen order, as in the seed's
/// "小普喜欢星海湾的朋友" → 0–9, with optional unknown-token handling.
/// </summary>
/// <remarks>Immutable and thread-safe once built.</remarks>
public sealed class Vocabulary
{
    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _index;

    private Vocabulary(string[] tokens, Dictionary<string, int> index, string? unknownToken)
    {
        _tokens = tokens;
        _index = index;
        UnknownToken = unknownToken;
    }

    /// <summary>The number of tokens, the unknown token included.</summary>
    public int Count => _tokens.Length;

    /// <summary>The tokens by index.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>The token that unseen tokens map to (index 0), or null when unseen tokens are an error.</summary>
    public string? UnknownToken { get; }

    /// <summary>The token with index <paramref name="index"/>.</summary>
    public string this[int index] => _tokens[index];

    /// <summary>
    /// Builds a vocabulary from <paramref name="tokens"/> in first-seen order. With an
    /// <paramref name="unknownToken"/> it takes index 0 and the seen tokens follow from 1.
    /// </summary>
    public static Vocabulary Build(IEnumerable<string> tokens, string? unknownToken = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var list = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        if (unknownToken is not null)
        {
            index[unknownToken] = 0;
            list.Add(unknownToken);
        }

        foreach (var token in tokens)
        {
            ArgumentNullException.ThrowIfNull(token, nameof(tokens));
            if (index.TryAdd(token, list.Count))
            {
                list.Add(token);
            }
        }

        return new Vocabulary([.. list], index, unknownToken);
    }

    /// <summary>Builds a character vocabulary from texts (one token per text element), in first-seen order.</summary>
    public static Vocabulary FromCharacters(IEnumerable<string> texts, string? unknownToken = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return Build(texts.SelectMany(SplitCharacters), unknownToken);
    }

    /// <summary>Splits a text into characters (text elements, so a surrogate pair or combining sequence stays whole), skipping white space.</summary>
    public static IEnumerable<string> SplitCharacters(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var e = StringInfo.GetTextElementEnumerator(text);
        while (e.MoveNext())
        {
            var element = (string)e.Current;
            if (!string.IsNullOrWhiteSpace(element))
            {
                yield return element;
            }
        }
    }

    /// <summary>Whether <paramref name="token"/> has its own index.</summary>
    public bool Contains(string token) => _index.ContainsKey(token);

    /// <summary>
    /// The index of <paramref name="token"/>; an unseen token gives the unknown token's index 0, or an
    /// <see cref="ArgumentException"/> naming it when the vocabulary has no unknown token.
    /// </summary>
    public int IndexOf(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (_index.TryGetValue(token, out var i))
        {
            return i;
        }

        if (UnknownToken is not null)
        {
            return 0;
        }

        throw new ArgumentException($"token '{token}' is not in the vocabulary ({Count} tokens) and it has no unknown token; build it with an unknown token to map unseen tokens", nameof(token));
    }

    /// <summary>Maps tokens to indices (see <see cref="IndexOf"/>).</summary>
    public int[] Encode(IEnumerable<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return tokens.Select(IndexOf).ToArray();
    }

    /// <summary>Maps indices back to tokens.</summary>
    public string[] Decode(ReadOnlySpan<int> ids)
    {
        var result = new string[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)_tokens.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), ids[i], $"index {ids[i]} is outside the vocabulary (0..{_tokens.Length - 1})");
            }

            result[i] = _tokens[ids[i]];
        }

        return result;
    }
}
