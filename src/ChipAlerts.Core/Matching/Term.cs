namespace ChipAlerts.Core.Matching;

/// <summary>
/// A compiled term: its words folded (and as written, when case-sensitive), what must join them and
/// stand around them, and the forms its last word may take when marked ~.
/// </summary>
internal sealed record Term(
    int List,
    string Display,
    string[] Words,
    string[]? Exact,
    string[]? LastForms,
    string[]? LastExactForms,
    string?[]? Glue,
    string Prefix,
    string Suffix)
{
    public static Term From(int list, QueryTerm spec)
    {
        var words = spec.Words.Select(w => Tokenizer.Fold(w)).ToArray();
        string[]? exact = spec.CaseSensitive ? [.. spec.Words] : null;
        string[]? lastForms = null;
        string[]? lastExactForms = null;
        if (spec.Inflect)
        {
            if (spec.CaseSensitive)
            {
                lastExactForms = Inflections.Of(spec.Words[^1]);
                lastForms = [.. lastExactForms.Select(f => Tokenizer.Fold(f)).Distinct()];
            }
            else
            {
                lastForms = Inflections.Of(words[^1]);
            }
        }

        var glue = spec.Glue.All(g => g is null) ? null : spec.Glue.ToArray();
        var display = spec.Text.Trim();
        return new Term(list, display, words, exact, lastForms, lastExactForms, glue, spec.Prefix, spec.Suffix);
    }

    /// <summary>
    /// When the term occurs at token <paramref name="at"/> of <paramref name="text"/>, the index of the
    /// token after it; else 0. The first word's hash matched already; every word is compared in full.
    /// </summary>
    public int MatchAt(string text, Token[] tokens, int count, int at)
    {
        var n = Words.Length;
        if (at + n > count)
        {
            return 0;
        }

        for (var k = 0; k < n; k++)
        {
            var token = tokens[at + k];
            var word = text.AsSpan(token.Start, token.Length);
            var last = k == n - 1;
            if (!(last && LastForms is not null ? AnyFoldEquals(word, LastForms) : Tokenizer.FoldEquals(word, Words[k])))
            {
                return 0;
            }

            if (Exact is not null && !(last && LastExactForms is not null ? AnyEquals(word, LastExactForms) : word.SequenceEqual(Exact[k])))
            {
                return 0;
            }

            if (k > 0)
            {
                var between = text.AsSpan(tokens[at + k - 1].End, token.Start - tokens[at + k - 1].End);
                if (Glue?[k - 1] is { } glue ? !between.SequenceEqual(glue) : !Tokenizer.IsFlexibleSeparator(between))
                {
                    return 0;
                }
            }
        }

        if (Prefix.Length > 0 && !text.AsSpan(0, tokens[at].Start).EndsWith(Prefix, StringComparison.Ordinal))
        {
            return 0;
        }

        if (Suffix.Length > 0 && !text.AsSpan(tokens[at + n - 1].End).StartsWith(Suffix, StringComparison.Ordinal))
        {
            return 0;
        }

        return at + n;
    }

    private static bool AnyFoldEquals(ReadOnlySpan<char> word, string[] forms)
    {
        foreach (var form in forms)
        {
            if (Tokenizer.FoldEquals(word, form))
            {
                return true;
            }
        }

        return false;
    }

    private static bool AnyEquals(ReadOnlySpan<char> word, string[] forms)
    {
        foreach (var form in forms)
        {
            if (word.SequenceEqual(form))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// The simple English forms of a word: plural, third person, past, -ing, possessive-free
/// ("control" → controls, controlled, controlling; "technology" → technologies; "curbs" → curb).
/// Deliberately simple and predictable; anything more is a term of its own or a regex.
/// </summary>
public static class Inflections
{
    public static string[] Of(string word)
    {
        var forms = new List<string> { word };
        var lower = word.ToLowerInvariant();
        if (word.Length < 2 || !word.All(char.IsAsciiLetter))
        {
            return [word];
        }

        if (lower.EndsWith("ies", StringComparison.Ordinal) && word.Length > 4)
        {
            forms.Add(word[..^3] + "y");
        }
        else if (lower.EndsWith("es", StringComparison.Ordinal) && IsSibilant(lower[..^2]))
        {
            forms.Add(word[..^2]);
        }
        else if (lower.EndsWith('s') && !lower.EndsWith("ss", StringComparison.Ordinal))
        {
            forms.Add(word[..^1]);
        }

        var stem = forms[^1];
        var lowerStem = stem.ToLowerInvariant();
        if (lowerStem.EndsWith('y') && lowerStem.Length > 2 && !IsVowel(lowerStem[^2]))
        {
            forms.AddRange([stem[..^1] + "ies", stem[..^1] + "ied", stem + "ing"]);
        }
        else if (lowerStem.EndsWith('e'))
        {
            forms.AddRange([stem + "s", stem + "d", stem[..^1] + "ing"]);
        }
        else if (IsSibilant(lowerStem))
        {
            forms.AddRange([stem + "es", stem + "ed", stem + "ing"]);
        }
        else
        {
            forms.AddRange([stem + "s", stem + "ed", stem + "ing"]);
            if (EndsConsonantVowelConsonant(lowerStem))
            {
                forms.AddRange([stem + stem[^1] + "ed", stem + stem[^1] + "ing"]);
            }
        }

        return [.. forms.Distinct(StringComparer.Ordinal)];
    }

    private static bool IsVowel(char c) => c is 'a' or 'e' or 'i' or 'o' or 'u';

    private static bool IsSibilant(string w) =>
        w.EndsWith('s') || w.EndsWith('x') || w.EndsWith('z') || w.EndsWith("ch", StringComparison.Ordinal) || w.EndsWith("sh", StringComparison.Ordinal);

    private static bool EndsConsonantVowelConsonant(string w) =>
        w.Length >= 3 && !IsVowel(w[^1]) && w[^1] is not ('w' or 'x' or 'y') && IsVowel(w[^2]) && !IsVowel(w[^3]);
}
