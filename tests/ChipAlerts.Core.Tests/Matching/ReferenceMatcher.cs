using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ChipAlerts.Core.Matching;

namespace ChipAlerts.Core.Tests.Matching;

// A slow, obviously correct matcher for the property test: regular expressions for words, string
// comparison at every position, the query evaluated from its tree. It shares nothing with the engine
// but the table of inflected forms (Inflections.Of), which is a definition, not an algorithm.

internal abstract record RNode;

/// <summary>
/// A term: <see cref="Marks"/> has, per word of <see cref="Text"/>, '~' (its forms), '*' (a prefix) or '\0';
/// <see cref="Field"/> is 0 title, 1 summary, 2 source, or -1 for title and summary.
/// </summary>
internal sealed record RTerm(string Text, bool CaseSensitive, bool Inflect, IReadOnlyList<char>? Marks = null, int Field = -1) : RNode;

internal sealed record RAnd(IReadOnlyList<RNode> Children) : RNode;

internal sealed record ROr(IReadOnlyList<RNode> Children) : RNode;

internal sealed record RNot(RNode Child) : RNode;

internal sealed record RNear(RTerm Left, RTerm Right, int Distance) : RNode;

internal sealed record RExcept(RTerm Term, RTerm Excepted) : RNode;

internal sealed record RHit(RTerm Term, int Field, int FirstWord, int EndWord, int Start, int Length);

internal static partial class ReferenceMatcher
{
    public static string Render(RNode node) => node switch
    {
        RTerm t => $"{t.Field switch { 0 => "title:", 1 => "summary:", 2 => "source:", _ => "" }}{(t.CaseSensitive ? "=" : "")}\"{Marked(t)}\"{(t.Inflect ? "~" : "")}",
        RAnd a => $"({string.Join(" ", a.Children.Select(Render))})",
        ROr o => $"({string.Join(" OR ", o.Children.Select(Render))})",
        RNot n => "-" + Render(n.Child),
        RNear n => $"({Render(n.Left)} NEAR/{n.Distance} {Render(n.Right)})",
        RExcept e => $"({Render(e.Term)} EXCEPT {Render(e.Excepted)})",
        _ => throw new ArgumentException($"Unknown node {node}.", nameof(node)),
    };

    // The term's text with each word's mark written right after it.
    private static string Marked(RTerm t)
    {
        if (t.Marks is null)
        {
            return t.Text;
        }

        var words = Words().Matches(t.Text).ToList();
        var text = t.Text;
        for (var k = words.Count - 1; k >= 0; k--)
        {
            if (t.Marks[k] != '\0')
            {
                text = text.Insert(words[k].Index + words[k].Length, t.Marks[k].ToString());
            }
        }

        return text;
    }

    /// <summary>True when the query can match: some term outside an exclusion, and false with no term present.</summary>
    public static bool IsValid(RNode node) => HasPositive(node, true) && !Eval(node, _ => false, (_, _) => false);

    private static bool HasPositive(RNode node, bool positive) => node switch
    {
        RNot n => HasPositive(n.Child, !positive),
        RAnd a => a.Children.Any(c => HasPositive(c, positive)),
        ROr o => o.Children.Any(c => HasPositive(c, positive)),
        _ => positive,
    };

    private static bool Eval(RNode node, Func<RTerm, bool> has, Func<RNear, List<RHit>?, bool> near) => node switch
    {
        RTerm t => has(t),
        RAnd a => a.Children.All(c => Eval(c, has, near)),
        ROr o => o.Children.Any(c => Eval(c, has, near)),
        RNot n => !Eval(n.Child, has, near),
        RNear n => near(n, null),
        RExcept e => has(e.Term),
        _ => false,
    };

    /// <summary>The evidence (field, start, length, term) when the query matches with at least minScore; else null.</summary>
    public static List<(int Field, int Start, int Length, string Term)>? Match(
        RNode query, string title, string summary, int minScore, int titleWeight = 3, int summaryWeight = 1, string source = "", bool nearAcrossFields = false)
    {
        string[] fields = [title.Normalize(NormalizationForm.FormKC), summary.Normalize(NormalizationForm.FormKC), source.Normalize(NormalizationForm.FormKC)];
        var hits = new List<RHit>();
        foreach (var term in Terms(query))
        {
            for (var f = 0; f < 3; f++)
            {
                if (term.Field == f || (term.Field < 0 && f < 2))
                {
                    hits.AddRange(Find(term, f, fields[f]));
                }
            }
        }

        // An EXCEPT's term counts only where it is not inside a hit of the excepted term.
        foreach (var except in Excepts(query))
        {
            hits.RemoveAll(h => ReferenceEquals(h.Term, except.Term) && hits.Exists(x => ReferenceEquals(x.Term, except.Excepted) && x.Field == h.Field && x.Start <= h.Start && h.Start + h.Length <= x.Start + x.Length));
        }

        var titleWords = Words().Count(fields[0]);
        int Position(RHit hit, RHit other) => hit.Field == 1 && other.Field != 1 ? titleWords : 0;
        bool Has(RTerm t) => hits.Exists(h => ReferenceEquals(h.Term, t));
        bool Near(RNear n, List<RHit>? evidence)
        {
            var found = false;
            foreach (var a in hits.Where(h => ReferenceEquals(h.Term, n.Left)))
            {
                foreach (var b in hits.Where(h => ReferenceEquals(h.Term, n.Right) && (h.Field == a.Field || (nearAcrossFields && h.Field < 2 && a.Field < 2))))
                {
                    var (aFirst, aEnd) = (a.FirstWord + Position(a, b), a.EndWord + Position(a, b));
                    var (bFirst, bEnd) = (b.FirstWord + Position(b, a), b.EndWord + Position(b, a));
                    var gap = aEnd <= bFirst ? bFirst - aEnd : bEnd <= aFirst ? aFirst - bEnd : -1;
                    if (gap >= 0 && gap <= n.Distance)
                    {
                        found = true;
                        evidence?.AddRange([a, b]);
                    }
                }
            }

            return found;
        }

        if (!Eval(query, Has, Near))
        {
            return null;
        }

        var used = new List<RHit>();
        void Collect(RNode node)
        {
            switch (node)
            {
                case RTerm t:
                    used.AddRange(hits.Where(h => ReferenceEquals(h.Term, t)));
                    break;
                case RNear n:
                    Near(n, used);
                    break;
                case RExcept e:
                    used.AddRange(hits.Where(h => ReferenceEquals(h.Term, e.Term)));
                    break;
                case RAnd a:
                    a.Children.ToList().ForEach(Collect);
                    break;
                case ROr o:
                    o.Children.Where(c => Eval(c, Has, Near)).ToList().ForEach(Collect);
                    break;
            }
        }

        Collect(query);
        var order = Terms(query).ToList();
        var kept = new List<RHit>();
        foreach (var hit in used.OrderBy(h => h.Field).ThenBy(h => h.Start).ThenByDescending(h => h.Length).ThenBy(h => order.FindIndex(t => ReferenceEquals(t, h.Term))))
        {
            if (!kept.Exists(k => k.Field == hit.Field && (ReferenceEquals(k.Term, hit.Term) || (hit.Start < k.Start + k.Length && k.Start < hit.Start + hit.Length))))
            {
                kept.Add(hit);
            }
        }

        var score = kept.GroupBy(h => (object)h.Term, ReferenceEqualityComparer.Instance).Sum(g => g.Max(h => h.Field == 0 ? titleWeight : summaryWeight));
        return score < minScore ? null : [.. kept.Select(h => (h.Field, h.Start, h.Length, Display(h.Term)))];
    }

    /// <summary>Every term of the query, exclusions included, left to right.</summary>
    public static IEnumerable<RTerm> Terms(RNode node) => node switch
    {
        RTerm t => [t],
        RAnd a => a.Children.SelectMany(Terms),
        ROr o => o.Children.SelectMany(Terms),
        RNot n => Terms(n.Child),
        RNear n => [n.Left, n.Right],
        RExcept e => [e.Term, e.Excepted],
        _ => [],
    };

    private static IEnumerable<RExcept> Excepts(RNode node) => node switch
    {
        RExcept e => [e],
        RAnd a => a.Children.SelectMany(Excepts),
        ROr o => o.Children.SelectMany(Excepts),
        RNot n => Excepts(n.Child),
        _ => [],
    };

    /// <summary>How the engine names a term in evidence: as written in the query, marks included.</summary>
    public static string Display(RTerm t) => Marked(t);

    private static IEnumerable<RHit> Find(RTerm term, int field, string text)
    {
        var query = term.Text.Normalize(NormalizationForm.FormKC);
        var want = Words().Matches(query).ToList();
        var words = Words().Matches(text).ToList();
        var prefix = query[..want[0].Index];
        var suffix = query[(want[^1].Index + want[^1].Length)..];
        for (var i = 0; i + want.Count <= words.Count; i++)
        {
            var ok = true;
            for (var k = 0; k < want.Count && ok; k++)
            {
                var last = k == want.Count - 1;
                var mark = term.Marks?[k] ?? '\0';
                string[] forms = (last && term.Inflect) || mark == '~' ? Inflections.Of(term.CaseSensitive ? want[k].Value : Fold(want[k].Value)) : [want[k].Value];
                ok = mark == '*'
                    ? Fold(words[i + k].Value).StartsWith(Fold(want[k].Value), StringComparison.Ordinal) && (!term.CaseSensitive || words[i + k].Value.StartsWith(want[k].Value, StringComparison.Ordinal))
                    : forms.Any(f => term.CaseSensitive ? words[i + k].Value == f : Fold(words[i + k].Value) == Fold(f));
                if (ok && k > 0)
                {
                    var wantGlue = query[(want[k - 1].Index + want[k - 1].Length)..want[k].Index];
                    var gotGlue = text[(words[i + k - 1].Index + words[i + k - 1].Length)..words[i + k].Index];
                    ok = wantGlue.Length > 0 && Flexible().IsMatch(wantGlue) ? Flexible().IsMatch(gotGlue) : wantGlue == gotGlue;
                }
            }

            var start = words[i].Index - prefix.Length;
            var end = words[i + want.Count - 1].Index + words[i + want.Count - 1].Length;
            if (ok && start >= 0 && text[start..words[i].Index] == prefix && text[end..].StartsWith(suffix, StringComparison.Ordinal))
            {
                yield return new RHit(term, field, i, i + want.Count, start, end + suffix.Length - start);
            }
        }
    }

    private static string Fold(string word) =>
        new([.. word.Normalize(NormalizationForm.FormD).Where(c => CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark).Select(char.ToLowerInvariant)]);

    [GeneratedRegex(@"[\p{IsHiragana}\p{IsKatakana}\p{IsCJKUnifiedIdeographs}]|(?:(?![\p{IsHiragana}\p{IsKatakana}\p{IsCJKUnifiedIdeographs}])[\p{L}\p{N}\p{Mn}\p{Mc}])+")]
    private static partial Regex Words();

    [GeneratedRegex(@"^[\s\p{Pd}]*$")]
    private static partial Regex Flexible();
}
