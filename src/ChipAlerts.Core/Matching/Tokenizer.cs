using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
/// removed ("Nishímura" is "nishimura"); text is <see cref="Folded"/> first, which folds widths ("Ｒａｐｉｄｕｓ").
/// </summary>
public static class Tokenizer
{
    // Characters NFKC leaves as they are and news text is full of: ASCII, the precomposed Latin-1
    // letters, curly quotes, dashes and the bullet.
    private static readonly System.Buffers.SearchValues<char> NfkcStable = System.Buffers.SearchValues.Create(
        string.Concat(Enumerable.Range(0, 0x80).Select(c => (char)c)) + string.Concat(Enumerable.Range(0xC0, 0x40).Select(c => (char)c)) + "\u2018\u2019\u201C\u201D\u2013\u2014\u2022");

    /// <summary>
    /// Text as words are compared: NFKC, so full-width and compatibility forms are their plain letters. Feed text
    /// is kept as written, so matching and story sketches fold it here; offsets then refer to the folded text. A
    /// vectorised scan settles most texts; the ICU check costs far more.
    /// </summary>
    public static string Folded(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return !text.AsSpan().ContainsAnyExcept(NfkcStable) || text.IsNormalized(NormalizationForm.FormKC) ? text : text.Normalize(NormalizationForm.FormKC);
    }

    private const ulong HashSeed = 0x243F_6A88_85A3_08D3;

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

    /// <summary>The hash of a word's folded form, as the index keys it; never 0, which marks an empty slot.</summary>
    public static ulong Hash(ReadOnlySpan<char> word)
    {
        Span<char> buffer = word.Length <= 128 ? stackalloc char[word.Length] : new char[word.Length];
        return HashFolded(buffer[..FoldInto(word, buffer)]);
    }

    // Four characters per multiply; HashAscii computes the same value straight from the text.
    private static ulong HashFolded(ReadOnlySpan<char> folded)
    {
        var hash = HashSeed;
        var i = 0;
        for (; i + 4 <= folded.Length; i += 4)
        {
            hash = Mix(hash, MemoryMarshal.Read<ulong>(MemoryMarshal.AsBytes(folded.Slice(i, 4))));
        }

        if (i < folded.Length)
        {
            ulong tail = 0;
            for (var k = 0; i + k < folded.Length; k++)
            {
                tail |= (ulong)folded[i + k] << (16 * k);
            }

            hash = Mix(hash, tail);
        }

        return Finish(hash, folded.Length);
    }

    // An ASCII word of letters and digits folds by setting bit 0x20 of each character, four at a time.
    // The last chunk reads past the word when the text goes on, and masks what it read off.
    private static ulong HashAscii(string text, int start, int end)
    {
        const ulong lower = 0x0020_0020_0020_0020;
        ref var first = ref Unsafe.As<char, byte>(ref Unsafe.Add(ref MemoryMarshal.GetReference(text.AsSpan()), start));
        var length = end - start;
        var hash = HashSeed;
        var i = 0;
        for (; i + 4 <= length; i += 4)
        {
            hash = Mix(hash, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref first, i * 2)) | lower);
        }

        var rest = length - i;
        if (rest > 0)
        {
            var mask = (1UL << (16 * rest)) - 1;
            ulong tail;
            if (start + i + 4 <= text.Length)
            {
                tail = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref first, i * 2)) & mask;
            }
            else
            {
                tail = 0;
                for (var k = 0; k < rest; k++)
                {
                    tail |= (ulong)text[start + i + k] << (16 * k);
                }
            }

            hash = Mix(hash, tail | (lower & mask));
        }

        return Finish(hash, length);
    }

    private static ulong Mix(ulong hash, ulong chunk) => BitOperations.RotateLeft((hash ^ chunk) * 0x9E3779B97F4A7C15, 27);

    private static ulong Finish(ulong hash, int length)
    {
        hash ^= (ulong)length;
        hash ^= hash >> 32;
        hash *= 0xD6E8FEB86659FD93;
        hash ^= hash >> 29;
        return hash == 0 ? 1 : hash;
    }

    /// <summary>True when <paramref name="word"/> folds to <paramref name="folded"/>.</summary>
    public static bool FoldEquals(ReadOnlySpan<char> word, ReadOnlySpan<char> folded) => FoldCompare(word, folded, prefixOnly: false);

    /// <summary>True when <paramref name="word"/>, folded, starts with <paramref name="folded"/>.</summary>
    public static bool FoldStartsWith(ReadOnlySpan<char> word, ReadOnlySpan<char> folded) => FoldCompare(word, folded, prefixOnly: true);

    // One loop for both: inlined with a constant, so the hot FoldEquals pays no extra branch.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool FoldCompare(ReadOnlySpan<char> word, ReadOnlySpan<char> folded, bool prefixOnly)
    {
        var j = 0;
        foreach (var c in word)
        {
            var f = Fold(c);
            if (f == '\0')
            {
                continue;
            }

            if (j == folded.Length)
            {
                return prefixOnly;
            }

            if (folded[j] != f)
            {
                return false;
            }

            j++;
        }

        return j == folded.Length;
    }

    /// <summary>Folds <paramref name="word"/> into <paramref name="buffer"/> (as long as the word); returns the folded length.</summary>
    internal static int FoldInto(ReadOnlySpan<char> word, Span<char> buffer)
    {
        var length = 0;
        foreach (var c in word)
        {
            if (Fold(c) is var f && f != '\0')
            {
                buffer[length++] = f;
            }
        }

        return length;
    }

    /// <summary>The hash of text already folded: equal to <see cref="Hash"/> of any word that folds to it.</summary>
    internal static ulong HashOfFolded(ReadOnlySpan<char> folded) => HashFolded(folded);

    /// <summary>
    /// <see cref="HashOfFolded"/> of each prefix of <paramref name="folded"/> whose length is in <paramref name="lengths"/>
    /// (ascending), in one pass: the full chunks are mixed once, each prefix adds only its tail. Returns how many
    /// lengths fit the word.
    /// </summary>
    internal static int PrefixHashes(ReadOnlySpan<char> folded, int[] lengths, Span<ulong> hashes)
    {
        var hash = HashSeed;
        var mixed = 0;
        var count = 0;
        foreach (var length in lengths)
        {
            if (length > folded.Length)
            {
                break;
            }

            for (; mixed + 4 <= length; mixed += 4)
            {
                hash = Mix(hash, MemoryMarshal.Read<ulong>(MemoryMarshal.AsBytes(folded.Slice(mixed, 4))));
            }

            var prefix = hash;
            if (mixed < length)
            {
                ulong tail = 0;
                for (var k = 0; mixed + k < length; k++)
                {
                    tail |= (ulong)folded[mixed + k] << (16 * k);
                }

                prefix = Mix(prefix, tail);
            }

            hashes[count++] = Finish(prefix, length);
        }

        return count;
    }

    /// <summary>
    /// Tokenizes and hashes in one pass, into reusable buffers; returns the number of words. The hot
    /// loop of matching: no allocation; ASCII text is classified 64 characters at a time into a bit
    /// mask, so the loop branches per word rather than per character (a branch at every word boundary
    /// mispredicts, and that, not the arithmetic, was the cost); each word is hashed once, at its end.
    /// </summary>
    internal static int Scan(string text, ref Token[] tokens, ref ulong[] hashes, WordFilter? filter = null)
    {
        if (tokens.Length < text.Length + 1)
        {
            tokens = new Token[Math.Max(text.Length + 1, tokens.Length * 2)];
            hashes = new ulong[tokens.Length];
        }

        var state = new ScanState { Start = -1, Ascii = true, Filter = filter };
        var i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            ref var chars = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(text.AsSpan()));
            for (; i + 64 <= text.Length; i += 64)
            {
                if (!AsciiWordMask(ref chars, i, out var word))
                {
                    ScanScalar(text, i, i + 64, ref tokens, ref hashes, ref state);
                    continue;
                }

                // Bit n of prev: character n - 1 is a word character. A start or an end of a word is
                // where the two differ; they alternate, an end first when a word is open.
                var prev = (word << 1) | (state.Start >= 0 ? 1UL : 0);
                for (var events = word ^ prev; events != 0; events &= events - 1)
                {
                    var at = i + BitOperations.TrailingZeroCount(events);
                    if (state.Start < 0)
                    {
                        state.Start = at;
                        state.Ascii = true;
                    }
                    else
                    {
                        CloseWord(text, at, ref tokens, ref hashes, ref state);
                    }
                }
            }
        }

        ScanScalar(text, i, text.Length, ref tokens, ref hashes, ref state);
        if (state.Start >= 0)
        {
            CloseWord(text, text.Length, ref tokens, ref hashes, ref state);
        }

        return state.Count;
    }

    private struct ScanState
    {
        public int Count;
        public int Start; // of the open word, or -1
        public bool Ascii; // the open word is ASCII so far
        public WordFilter? Filter; // when set, an ASCII word it rules out gets hash 0: not looked up
    }

    // 64 characters from offset: bit n set for an ASCII letter or digit; false when one needs the scalar path.
    private static bool AsciiWordMask(ref ushort chars, int offset, out ulong mask)
    {
        mask = 0;
        for (var j = 0; j < 8; j++)
        {
            var v = Vector128.LoadUnsafe(ref chars, (nuint)(offset + (8 * j)));
            // Beyond ASCII, only what news text is full of may stay here, as separators: curly quotes,
            // dashes and spaces (General Punctuation, U+2000 to U+206F) and the no-break space.
            var beyondAscii = Vector128.GreaterThan(v, Vector128.Create((ushort)0x7F));
            var punctuation = Vector128.LessThan(v - Vector128.Create((ushort)0x2000), Vector128.Create((ushort)0x70)) | Vector128.Equals(v, Vector128.Create((ushort)0xA0));
            if (Vector128.AndNot(beyondAscii, punctuation) != Vector128<ushort>.Zero)
            {
                return false;
            }

            var digit = Vector128.LessThan(v - Vector128.Create((ushort)'0'), Vector128.Create((ushort)10));
            var letter = Vector128.LessThan((v | Vector128.Create((ushort)0x20)) - Vector128.Create((ushort)'a'), Vector128.Create((ushort)26));
            mask |= (ulong)(digit | letter).ExtractMostSignificantBits() << (8 * j);
        }

        return true;
    }

    private static void ScanScalar(string text, int from, int to, ref Token[] tokens, ref ulong[] hashes, ref ScanState state)
    {
        for (var i = from; i < to; i++)
        {
            var c = text[i];
            if (c < 0x80)
            {
                if (char.IsAsciiLetterOrDigit(c))
                {
                    if (state.Start < 0)
                    {
                        state.Start = i;
                        state.Ascii = true;
                    }
                }
                else if (state.Start >= 0)
                {
                    CloseWord(text, i, ref tokens, ref hashes, ref state);
                }
            }
            else if (IsCjk(c))
            {
                if (state.Start >= 0)
                {
                    CloseWord(text, i, ref tokens, ref hashes, ref state);
                }

                Add(ref tokens, ref hashes, ref state.Count, i, i + 1, Hash(text.AsSpan(i, 1)));
            }
            else if (IsWordChar(c))
            {
                if (state.Start < 0)
                {
                    state.Start = i;
                }

                state.Ascii = false;
            }
            else if (state.Start >= 0)
            {
                CloseWord(text, i, ref tokens, ref hashes, ref state);
            }
        }
    }

    private static void CloseWord(string text, int end, ref Token[] tokens, ref ulong[] hashes, ref ScanState state)
    {
        Add(ref tokens, ref hashes, ref state.Count, state.Start, end, HashWord(text, state.Start, end, ref state));
        state.Start = -1;
    }

    private static ulong HashWord(string text, int start, int end, ref ScanState state) =>
        !state.Ascii ? Hash(text.AsSpan(start, end - start))
        : state.Filter is { } filter && !filter.MayContain(text, start, end) ? 0
        : HashAscii(text, start, end);

    private static void Add(ref Token[] tokens, ref ulong[] hashes, ref int count, int start, int end, ulong hash)
    {
        // Scan made room for the most words the text can hold, one per character.
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(tokens), count) = new(start, end - start);
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(hashes), count) = hash;
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
