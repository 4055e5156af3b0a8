using System.Globalization;

namespace ChipAlerts.Core.Matching;

/// <summary>A word of a text: where it starts and how long it is.</summary>
public readonly record struct Token(int Start, int Length);

/// <summary>
/// Splits text into words: runs of letters and digits. Every other character separates words, so
/// "Micron's" is "Micron" + "s" and "AI-driven" is "AI" + "driven". CJK scripts are written without
/// spaces, so each of their characters is a word of its own and a term like "ラピダス" is a phrase of
/// four words, found inside unsegmented text.
/// </summary>
public static class Tokenizer
{
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
            else if (IsWordChar(text, i))
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

    private static bool IsWordChar(string text, int i)
    {
        var category = char.GetUnicodeCategory(text, i);
        return char.IsLetterOrDigit(text[i])
            || char.IsSurrogate(text[i])
            || category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;
    }

    public static bool IsCjk(char c) =>
        c is (>= '\u3040' and <= '\u30FF')   // Hiragana, Katakana
            or (>= '\u3400' and <= '\u4DBF') // CJK extension A
            or (>= '\u4E00' and <= '\u9FFF') // CJK unified ideographs
            or (>= '\uAC00' and <= '\uD7AF') // Hangul syllables
            or (>= '\uF900' and <= '\uFAFF');
}
