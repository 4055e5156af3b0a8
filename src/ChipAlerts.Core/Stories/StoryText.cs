using System.Buffers.Binary;
using System.Globalization;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Matching;

namespace ChipAlerts.Core.Stories;

/// <summary>
/// What an item is made of, for telling whether two items tell one story: its content words (folded as the
/// matcher folds them, common function words dropped, a plural "s" cut), its Chinese, Japanese and Korean text
/// as character pairs (that text has no spaces between words), its canonical link, and a MinHash sketch of the
/// words whose values are the index keys. Pure and cheap: a few microseconds an item.
/// </summary>
public sealed class StoryText
{
    /// <summary>MinHash values per item: each one an index key. More finds weaker overlaps, at more keys per story.</summary>
    public const int Sketch = 24;

    private static readonly ulong[] Seeds = BuildSeeds();

    private static readonly HashSet<string> StopWords = new(
        """
        a about after again against all also an and any are as at be because been before being between both but by
        can could did do does down during each few for from further had has have having he her here hers him his how
        i if in into is it its itself just more most my new no nor not now of off on once only or other our out over
        own same she should so some such than that the their them then there these they this those through to too
        under until up very was we were what when where which while who whom why will with would you your says said
        say week year years day days monday tuesday wednesday thursday friday saturday sunday per cent percent
        according report reports reported told one two three first last next
        """.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries),
        StringComparer.Ordinal);

    private StoryText(IReadOnlySet<ulong> words, string? link)
    {
        Words = words;
        Link = link;
        Keys = MinHash(words);
    }

    /// <summary>The hashed content words and character pairs of title and summary.</summary>
    public IReadOnlySet<ulong> Words { get; }

    /// <summary>The canonical link (scheme and host lower case, no fragment, no tracking parameters), or null (none, or a front page).</summary>
    public string? Link { get; }

    /// <summary>The MinHash sketch: two items share each value with a chance equal to their word overlap (Jaccard).</summary>
    public IReadOnlyList<ulong> Keys { get; }

    public static StoryText Of(FeedItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return Of(item.Title, item.Summary, item.Link);
    }

    public static StoryText Of(string title, string summary, string? link)
    {
        var words = new HashSet<ulong>();
        Add(Tokenizer.Folded(title), words);
        Add(Tokenizer.Folded(summary), words);
        return new StoryText(words, StoryLink(link));
    }

    /// <summary>
    /// The canonical link, when it can name one story: a site's front page ("https://example.com/"), which some
    /// feeds give every item, names none.
    /// </summary>
    public static string? StoryLink(string? link) =>
        ItemKeys.CanonicalLink(link) is { } canonical && new Uri(canonical).AbsolutePath.Trim('/').Length > 0 ? canonical : null;

    /// <summary>|A ∩ B| / |A ∪ B| of the two items' words.</summary>
    public static double Jaccard(IReadOnlySet<ulong> a, IReadOnlySet<ulong> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count == 0 || b.Count == 0)
        {
            return 0;
        }

        var (small, large) = a.Count <= b.Count ? (a, b) : (b, a);
        var shared = small.Count(large.Contains);
        return (double)shared / (a.Count + b.Count - shared);
    }

    /// <summary>The words as stored: 8 bytes each, little-endian, base64.</summary>
    public static string Encode(IReadOnlySet<ulong> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        var bytes = new byte[words.Count * 8];
        var i = 0;
        foreach (var word in words.Order())
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i, 8), word);
            i += 8;
        }

        return Convert.ToBase64String(bytes);
    }

    public static HashSet<ulong> Decode(string encoded)
    {
        var bytes = Convert.FromBase64String(encoded);
        var words = new HashSet<ulong>(bytes.Length / 8);
        for (var i = 0; i + 8 <= bytes.Length; i += 8)
        {
            words.Add(BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i, 8)));
        }

        return words;
    }

    /// <summary>An index key as stored: 16 hex digits.</summary>
    public static string KeyText(ulong key) => key.ToString("x16", CultureInfo.InvariantCulture);

    private static void Add(string text, HashSet<ulong> words)
    {
        var tokens = Tokenizer.Tokenize(text);
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            var span = text.AsSpan(token.Start, token.Length);
            if (token.Length == 1 && Tokenizer.IsCjk(span[0]))
            {
                // A pair with the next character where it is CJK too; a lone character alone.
                if (i + 1 < tokens.Count && tokens[i + 1] is { Length: 1 } next && next.Start == token.Start + 1 && Tokenizer.IsCjk(text[next.Start]))
                {
                    words.Add(Tokenizer.Hash(text.AsSpan(token.Start, 2)));
                }
                else if (i == 0 || tokens[i - 1] is not { Length: 1 } previous || previous.Start != token.Start - 1 || !Tokenizer.IsCjk(text[previous.Start]))
                {
                    words.Add(Tokenizer.Hash(span));
                }

                continue;
            }

            var word = Tokenizer.Fold(span);
            if (word.Length < 2 && !char.IsAsciiDigit(word[0]) || StopWords.Contains(word))
            {
                continue;
            }

            if (word.Length > 3 && word[^1] == 's' && word[^2] != 's' && char.IsAsciiLetterLower(word[^2]))
            {
                word = word[..^1];
            }

            words.Add(Tokenizer.Hash(word));
        }
    }

    private static ulong[] MinHash(IReadOnlySet<ulong> words)
    {
        if (words.Count == 0)
        {
            return [];
        }

        var mins = new ulong[Sketch];
        Array.Fill(mins, ulong.MaxValue);
        foreach (var word in words)
        {
            for (var k = 0; k < Sketch; k++)
            {
                var h = Mix(word ^ Seeds[k]);
                if (h < mins[k])
                {
                    mins[k] = h;
                }
            }
        }

        // The key names its slot too: the same word at two slots is two keys.
        for (var k = 0; k < Sketch; k++)
        {
            mins[k] = Mix(mins[k] + (ulong)k);
        }

        return mins;
    }

    /// <summary>SplitMix64's finaliser: a good 64-bit mix.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong[] BuildSeeds()
    {
        var seeds = new ulong[Sketch];
        var x = 0x9E3779B97F4A7C15UL;
        for (var k = 0; k < Sketch; k++)
        {
            x += 0x9E3779B97F4A7C15UL;
            seeds[k] = Mix(x);
        }

        return seeds;
    }
}
