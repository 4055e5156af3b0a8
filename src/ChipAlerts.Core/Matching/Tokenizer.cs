using System.Globalization;
using System.Text;

namespace ChipAlerts.Core.Matching;

/// <summary>A word of a text: where it starts and how long it is.</summary>
public readonly record struct Token(int Start, int Length)
{
    public int End => Start + Length;
}

/// <summary>
/// Splits text into words: runs of letters and digits. Every other character separates words, so
/// "Micron's" is "Micron" + "s" and "AI-driven" is "AI" + "driven". CJK scripts are written without
/// spaces, so each of their characters is a word of its own and a term like "ラピダス" is a phrase of
/// four words, found inside unsegmented text. Words are compared folded: lower case, Latin diacritics
/// removed ("Nishímura" is "nishimura"); text is NFKC already, which folds widths ("Ｒａｐｉｄｕｓ").
/// </summary>
public static class Tokenizer
{
    private const ulong FnvOffset = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;

    // Lower case and base letter of every character up to the end of Latin Extended-B.
    private static readonly char[] LatinFold = BuildLatinFold();

    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var start = -1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (IsCjk(c))
            {
                if (start >= 0)
                {
                    tokens.Add(new(start, i - start));
                    start = -1;
                }

                tokens.Add(new(i, 1));
            }
            else if (IsWordChar(c))
            {
                if (start < 0)
                {
                    start = i;
                }
            }
            else if (start >= 0)
            {
                tokens.Add(new(start, i - start));
                start = -1;
            }
        }

        if (start >= 0)
        {
            tokens.Add(new(start, text.Length - start));
        }

        return tokens;
    }

    /// <summary>Letters, digits, surrogates (letters outside the BMP) and combining marks.</summary>
    public static bool IsWordChar(char c)
    {
        if (c < 0x80)
        {
            return char.IsAsciiLetterOrDigit(c);
        }

        return char.IsLetterOrDigit(c)
            || char.IsSurrogate(c)
            || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;
    }

    public static bool IsCjk(char c) =>
        c is (>= '\u3040' and <= '\u30FF')   // Hiragana, Katakana
            or (>= '\u3400' and <= '\u4DBF') // CJK extension A
            or (>= '\u4E00' and <= '\u9FFF') // CJK unified ideographs
            or (>= '\uAC00' and <= '\uD7AF') // Hangul syllables
            or (>= '\uF900' and <= '\uFAFF');

    /// <summary>Spaces and hyphens (of any kind) only: what may stand between the words of a phrase.</summary>
    public static bool IsFlexibleSeparator(ReadOnlySpan<char> between)
    {
        foreach (var c in between)
        {
            if (!char.IsWhiteSpace(c) && CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.DashPunctuation)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One character folded for comparison; '\0' for a mark that folding drops.</summary>
    public static char Fold(char c)
    {
        if (c < (char)LatinFold.Length)
        {
            return LatinFold[c];
        }

        return c is >= '\u0300' and <= '\u036F' ? '\0' : char.ToLowerInvariant(c);
    }

    /// <summary>The folded form of a word, as the index stores it.</summary>
    public static string Fold(ReadOnlySpan<char> word)
    {
        var folded = new StringBuilder(word.Length);
        foreach (var c in word)
        {
            if (Fold(c) is var f && f != '\0')
            {
                folded.Append(f);
            }
        }

        return folded.ToString();
    }

    /// <summary>FNV-1a over the folded characters; never 0, which marks an empty slot.</summary>
    public static ulong Hash(ReadOnlySpan<char> word)
    {
        var hash = FnvOffset;
        foreach (var c in word)
        {
            var f = Fold(c);
            if (f != '\0')
            {
                hash = (hash ^ f) * FnvPrime;
            }
        }

        return hash == 0 ? 1 : hash;
    }

    /// <summary>True when <paramref name="word"/> folds to <paramref name="folded"/>.</summary>
    public static bool FoldEquals(ReadOnlySpan<char> word, ReadOnlySpan<char> folded)
    {
        var j = 0;
        foreach (var c in word)
        {
            var f = Fold(c);
            if (f == '\0')
            {
                continue;
            }

            if (j == folded.Length || folded[j] != f)
            {
                return false;
            }

            j++;
        }

        return j == folded.Length;
    }

    /// <summary>
    /// Tokenizes and hashes in one pass, into reusable buffers; returns the number of words.
    /// The hot loop of matching: no allocation, one table lookup per character.
    /// </summary>
    internal static int Scan(string text, ref Token[] tokens, ref ulong[] hashes)
    {
        var count = 0;
        var start = -1;
        var hash = FnvOffset;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            bool word;
            if (c < 0x80)
            {
                word = char.IsAsciiLetterOrDigit(c);
            }
            else if (IsCjk(c))
            {
                if (start >= 0)
                {
                    Add(ref tokens, ref hashes, ref count, start, i, hash);
                    start = -1;
                }

                Add(ref tokens, ref hashes, ref count, i, i + 1, (FnvOffset ^ c) * FnvPrime);
                continue;
            }
            else
            {
                word = IsWordChar(c);
            }

            if (word)
            {
                if (start < 0)
                {
                    start = i;
                    hash = FnvOffset;
                }

                var f = c < (char)LatinFold.Length ? LatinFold[c] : Fold(c);
                if (f != '\0')
                {
                    hash = (hash ^ f) * FnvPrime;
                }
            }
            else if (start >= 0)
            {
                Add(ref tokens, ref hashes, ref count, start, i, hash);
                start = -1;
            }
        }

        if (start >= 0)
        {
            Add(ref tokens, ref hashes, ref count, start, text.Length, hash);
        }

        return count;
    }

    private static void Add(ref Token[] tokens, ref ulong[] hashes, ref int count, int start, int end, ulong hash)
    {
        if (count == tokens.Length)
        {
            Array.Resize(ref tokens, tokens.Length * 2);
            Array.Resize(ref hashes, hashes.Length * 2);
        }

        tokens[count] = new(start, end - start);
        hashes[count] = hash == 0 ? 1 : hash;
        count++;
    }

    private static char[] BuildLatinFold()
    {
        var table = new char[0x250];
        for (var c = 0; c < table.Length; c++)
        {
            var lower = char.ToLowerInvariant((char)c);
            var decomposed = lower.ToString().Normalize(NormalizationForm.FormD);
            table[c] = decomposed.Length > 1 && char.IsAsciiLetter(decomposed[0]) ? decomposed[0] : lower;
        }

        return table;
    }
}
