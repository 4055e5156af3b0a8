using System.Text;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Feeds;

namespace ChipAlerts.Core.Matching;

/// <summary>
/// The watch-lists, compiled once per configuration. Each term is indexed by its first word, so an
/// item is scanned once: every word of the text is looked up in a hash table, and only a hit checks the
/// term's remaining words. Cost grows with the text, not with the number of terms.
/// </summary>
public sealed class WatchListMatcher
{
    private const int SnippetRadius = 60;

    private readonly Dictionary<string, List<Rule>> ignoringCase = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Rule>> exactCase = new(StringComparer.Ordinal);
    private readonly List<string> listNames = [];

    private sealed record Rule(int List, string Term, string[] Words, bool CaseSensitive, bool Exclusion);

    public WatchListMatcher(IEnumerable<WatchListConfig> watchLists)
    {
        foreach (var list in watchLists)
        {
            var index = listNames.Count;
            listNames.Add(list.Name);
            foreach (var term in list.Terms)
            {
                Add(index, term, caseSensitive: false, exclusion: false);
            }

            foreach (var term in list.CaseSensitiveTerms)
            {
                Add(index, term, caseSensitive: true, exclusion: false);
            }

            foreach (var term in list.Exclude)
            {
                Add(index, term, caseSensitive: false, exclusion: true);
            }
        }
    }

    public IReadOnlyList<WatchListMatch> Match(FeedItem item)
    {
        var evidence = new List<MatchEvidence>?[listNames.Count];
        var excluded = new bool[listNames.Count];
        Scan(item.Title, MatchEvidence.Title, evidence, excluded);
        Scan(item.Summary, MatchEvidence.Summary, evidence, excluded);

        var matches = new List<WatchListMatch>();
        for (var i = 0; i < listNames.Count; i++)
        {
            if (evidence[i] is { } found && !excluded[i])
            {
                matches.Add(new WatchListMatch { WatchList = listNames[i], Evidence = found });
            }
        }

        return matches;
    }

    private void Scan(string text, string field, List<MatchEvidence>?[] evidence, bool[] excluded)
    {
        // Parsed feed text is NFKC already (a cheap check); text from elsewhere is folded here, and
        // offsets then refer to the folded text.
        if (!text.IsNormalized(NormalizationForm.FormKC))
        {
            text = text.Normalize(NormalizationForm.FormKC);
        }

        var tokens = Tokenizer.Tokenize(text);
        var words = tokens.Select(t => text.Substring(t.Start, t.Length)).ToArray();
        var lowered = words.Select(w => w.ToLowerInvariant()).ToArray();
        for (var i = 0; i < tokens.Count; i++)
        {
            Check(ignoringCase, lowered, i);
            Check(exactCase, words, i);
        }

        void Check(Dictionary<string, List<Rule>> index, string[] source, int at)
        {
            if (!index.TryGetValue(source[at], out var rules))
            {
                return;
            }

            foreach (var rule in rules)
            {
                if (!FollowsAt(rule.Words, source, at))
                {
                    continue;
                }

                if (rule.Exclusion)
                {
                    excluded[rule.List] = true;
                    continue;
                }

                var start = tokens[at].Start;
                var last = tokens[at + rule.Words.Length - 1];
                var list = evidence[rule.List] ??= [];
                // One piece of evidence per term and field explains a match; a term inside a longer
                // one already found ("Micron" within "Micron Technology") adds nothing.
                var length = last.Start + last.Length - start;
                if (!list.Exists(e => e.Field == field && (e.Term == rule.Term || (start < e.Start + e.Length && e.Start < start + length))))
                {
                    list.Add(Evidence(rule.Term, field, text, start, length));
                }
            }
        }
    }

    private static bool FollowsAt(string[] words, string[] source, int at)
    {
        if (at + words.Length > source.Length)
        {
            return false;
        }

        for (var k = 1; k < words.Length; k++)
        {
            if (!string.Equals(words[k], source[at + k], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static MatchEvidence Evidence(string term, string field, string text, int start, int length)
    {
        var from = Math.Max(0, start - SnippetRadius);
        var to = Math.Min(text.Length, start + length + SnippetRadius);
        // Widen to word boundaries so the snippet does not begin or end mid-word.
        while (from > 0 && !char.IsWhiteSpace(text[from - 1]) && start - from < SnippetRadius + 20)
        {
            from--;
        }

        while (to < text.Length && !char.IsWhiteSpace(text[to]) && to - start - length < SnippetRadius + 20)
        {
            to++;
        }

        return new MatchEvidence(term, field, start, length, text[from..to], from);
    }

    private void Add(int list, string term, bool caseSensitive, bool exclusion)
    {
        var normalized = term.Normalize(NormalizationForm.FormKC);
        var words = Tokenizer.Tokenize(normalized)
            .Select(t => normalized.Substring(t.Start, t.Length))
            .Select(w => caseSensitive ? w : w.ToLowerInvariant())
            .ToArray();
        if (words.Length == 0)
        {
            return; // rejected by configuration validation; nothing to match
        }

        var index = caseSensitive ? exactCase : ignoringCase;
        if (!index.TryGetValue(words[0], out var rules))
        {
            index[words[0]] = rules = [];
        }

        rules.Add(new Rule(list, term.Trim(), words, caseSensitive, exclusion));
    }
}
