using System.Text.RegularExpressions;

namespace ChipAlerts.Core.Matching;

/// <summary>
/// A compiled term, kept small because a deployment may hold a million: the folded words in one
/// string, separated by <see cref="Separator"/>, and everything rare (exact case, inflected forms,
/// prefixes, literal glue, symbols, a field, a regular expression) in <see cref="Extras"/>, null for most terms.
/// </summary>
internal sealed class Term(int list, int wordCount, string display, string key, TermExtras? extras)
{
    public const char Separator = '\u0001';

    public int List { get; } = list;
    public int WordCount { get; } = wordCount;
    public string Display { get; } = display;
    public string Key { get; } = key;
    public TermExtras? Extras { get; } = extras;

    /// <summary>One word, matched by its folded form alone (inflected forms are index keys of their own), in title or summary.</summary>
    public bool IsOneWord => WordCount == 1 && (Extras is null
        || (Extras.Exact is null && Extras.Prefixes is null && Extras.Prefix is null && Extras.Suffix is null && Extras.Regex is null && Extras.Scope == FieldScope.Any));

    /// <summary>Its first word is a prefix (subsid*): found through the prefix index, not the word index.</summary>
    public bool StartsWithPrefix => Extras?.Prefixes?[0] == true;

    public string Prefix => Extras?.Prefix ?? "";
    public string Suffix => Extras?.Suffix ?? "";
    public FieldScope Scope => Extras?.Scope ?? FieldScope.Any;

    /// <summary>The folded first word.</summary>
    public string FirstWord => Key.IndexOf(Separator, StringComparison.Ordinal) is var end and >= 0 ? Key[..end] : Key;

    public static Term From(int list, QueryTerm spec)
    {
        var n = spec.Words.Count;
        var words = spec.Words.Select(w => Tokenizer.Fold(w)).ToArray();
        string[]?[]? forms = null;
        string[]?[]? exactForms = null;
        bool[]? prefixes = null;
        for (var k = 0; k < n; k++)
        {
            switch (spec.Forms[k])
            {
                case WordForm.Inflected when spec.CaseSensitive:
                    (exactForms ??= new string[]?[n])[k] = Inflections.Of(spec.Words[k]);
                    (forms ??= new string[]?[n])[k] = [.. exactForms[k]!.Select(f => Tokenizer.Fold(f)).Distinct()];
                    break;
                case WordForm.Inflected:
                    (forms ??= new string[]?[n])[k] = Inflections.Of(words[k]);
                    break;
                case WordForm.Prefix:
                    (prefixes ??= new bool[n])[k] = true;
                    break;
            }
        }

        var extras = new TermExtras
        {
            Exact = spec.CaseSensitive ? [.. spec.Words] : null,
            Forms = forms,
            ExactForms = exactForms,
            Prefixes = prefixes,
            Glue = spec.Glue.All(g => g is null) ? null : [.. spec.Glue],
            Prefix = spec.Prefix.Length > 0 ? spec.Prefix : null,
            Suffix = spec.Suffix.Length > 0 ? spec.Suffix : null,
            Scope = spec.Scope,
        };
        return new Term(list, words.Length, spec.Text.Trim(), string.Join(Separator, words), extras.IsEmpty ? null : extras);
    }

    public static Term ForRegex(int list, string pattern, Regex regex, FieldScope scope) => new(list, 0, pattern, "", new TermExtras { Regex = regex, Scope = scope });

    /// <summary>The folded first word, or every form of it when it is marked ~: what the word index holds.</summary>
    public IEnumerable<string> IndexKeys() => Extras?.Forms?[0] is { } forms ? forms : [FirstWord];

    /// <summary>
    /// When the term occurs at token <paramref name="at"/> of <paramref name="text"/>, the index of the
    /// token after it; else 0. The first word's hash matched already; every word is compared in full.
    /// </summary>
    public int MatchAt(string text, Token[] tokens, int count, int at)
    {
        var n = WordCount;
        if (at + n > count)
        {
            return 0;
        }

        var extras = Extras;
        var offset = 0;
        for (var k = 0; k < n; k++)
        {
            var end = k == n - 1 ? Key.Length : Key.IndexOf(Separator, offset);
            var folded = Key.AsSpan(offset, end - offset);
            offset = end + 1;
            var token = tokens[at + k];
            var word = text.AsSpan(token.Start, token.Length);
            if (extras is null)
            {
                if (!Tokenizer.FoldEquals(word, folded))
                {
                    return 0;
                }
            }
            else if (!extras.WordMatches(word, folded, k))
            {
                return 0;
            }

            if (k > 0)
            {
                var between = text.AsSpan(tokens[at + k - 1].End, token.Start - tokens[at + k - 1].End);
                if (extras?.Glue?[k - 1] is { } glue ? !between.SequenceEqual(glue) : !Tokenizer.IsFlexibleSeparator(between))
                {
                    return 0;
                }
            }
        }

        if (extras?.Prefix is { } prefix && !text.AsSpan(0, tokens[at].Start).EndsWith(prefix, StringComparison.Ordinal))
        {
            return 0;
        }

        if (extras?.Suffix is { } suffix && !text.AsSpan(tokens[at + n - 1].End).StartsWith(suffix, StringComparison.Ordinal))
        {
            return 0;
        }

        return at + n;
    }
}

/// <summary>What few terms have. Per-word arrays are null when no word needs them.</summary>
internal sealed class TermExtras
{
    public string[]? Exact { get; init; }
    public string[]?[]? Forms { get; init; }
    public string[]?[]? ExactForms { get; init; }
    public bool[]? Prefixes { get; init; }
    public string?[]? Glue { get; init; }
    public string? Prefix { get; init; }
    public string? Suffix { get; init; }
    public Regex? Regex { get; init; }
    public FieldScope Scope { get; init; }

    public bool IsEmpty => Exact is null && Forms is null && Prefixes is null && Glue is null && Prefix is null && Suffix is null && Regex is null && Scope == FieldScope.Any;

    public bool WordMatches(ReadOnlySpan<char> word, ReadOnlySpan<char> folded, int k)
    {
        if (Prefixes?[k] == true)
        {
            return Tokenizer.FoldStartsWith(word, folded) && (Exact is null || word.StartsWith(Exact[k], StringComparison.Ordinal));
        }

        if (!(Forms?[k] is { } forms ? AnyFoldEquals(word, forms) : Tokenizer.FoldEquals(word, folded)))
        {
            return false;
        }

        if (Exact is null)
        {
            return true;
        }

        if (ExactForms?[k] is not { } exactForms)
        {
            return word.SequenceEqual(Exact[k]);
        }

        foreach (var form in exactForms)
        {
            if (word.SequenceEqual(form))
            {
                return true;
            }
        }

        return false;
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
}

/// <summary>
/// The simple English forms of a word: plural, third person, past, -ing
/// ("control" → controls, controlled, controlling; "technology" → technologies; "curbs" → curb).
/// Deliberately simple and predictable; anything more is a term of its own or a regex.
/// </summary>
public static class Inflections
{
    public static string[] Of(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
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
