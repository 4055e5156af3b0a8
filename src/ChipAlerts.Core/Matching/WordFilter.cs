namespace ChipAlerts.Core.Matching;

/// <summary>
/// A bit per (first two characters, length up to 15) of every ASCII first word in the index: 8 KB
/// that says at once that most words of a text start no term, so they are neither hashed nor looked
/// up. Words with other characters always go to the index. With very many rules most bits are set and
/// the filter costs one test per word.
/// </summary>
internal sealed class WordFilter
{
    private readonly ulong[] bits = new ulong[1024];

    /// <summary>A folded first word of the index.</summary>
    public void Add(string folded)
    {
        if (folded.Length > 0 && System.Text.Ascii.IsValid(folded))
        {
            var key = Key(folded[0], folded.Length > 1 ? folded[1] : '\0', folded.Length);
            bits[key >> 6] |= 1UL << key;
        }
    }

    /// <summary>A folded prefix of a wildcard (subsid*): every word length from the prefix's on may start with it.</summary>
    public void AddPrefix(string folded)
    {
        if (folded.Length > 0 && System.Text.Ascii.IsValid(folded))
        {
            for (var length = Math.Min(folded.Length, 15); length <= 15; length++)
            {
                var key = Key(folded[0], folded.Length > 1 ? folded[1] : '\0', length);
                bits[key >> 6] |= 1UL << key;
            }
        }
    }

    /// <summary>False when no first word of the index can be this ASCII word of letters and digits.</summary>
    public bool MayContain(string text, int start, int end)
    {
        var length = end - start;
        var key = Key((char)(text[start] | 0x20), length > 1 ? (char)(text[start + 1] | 0x20) : '\0', length);
        return (bits[key >> 6] & (1UL << key)) != 0;
    }

    private static int Key(char first, char second, int length) => ((first & 0x3F) << 10) | ((second & 0x3F) << 4) | Math.Min(length, 15);
}
