using System.Text.RegularExpressions;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Feeds;

namespace ChipAlerts.Core.Matching;

/// <summary>
/// The watch-lists, compiled once per configuration into one index. Every term of every list is
/// indexed by the hash of its first word (all of its forms, for a term marked ~); an item is scanned
/// once per field, each word that the <see cref="WordFilter"/> lets through hashed and looked up in
/// the table, and only a hit checks the rest of that term. Only lists with a hit evaluate their query,
/// so the cost grows with the length of the text, not with the number of rules. A wildcard (subsid*)
/// is found the same way through a second table keyed by the hash of its prefix: each word is looked
/// up once per distinct prefix length, a number the rules' words bound, not their count. Regular
/// expressions are the one exception: a list that has one runs them on every item.
/// </summary>
public sealed class WatchListMatcher
{
    private const int SnippetRadius = 60;
    private const int TitleField = 0;
    private const int SummaryField = 1;
    private const int SourceField = 2;

    private readonly Term[] terms;
    private readonly CompiledList[] lists;
    private readonly int[] regexLists;
    private readonly TermIndex index;
    private readonly PrefixIndex prefixes;
    private readonly bool hasSourceTerms;
    private readonly WordFilter filter = new();

    [ThreadStatic]
    private static Scratch? scratch;

    /// <summary>Compiles the lists; a query that does not parse throws <see cref="ArgumentException"/> naming the list.</summary>
    public WatchListMatcher(IEnumerable<WatchListConfig> watchLists)
    {
        var termList = new List<Term>();
        var compiled = new List<CompiledList>();
        var keys = new List<IndexKey>();
        var prefixKeys = new List<(string Prefix, int Term)>();
        var sourceTerms = false;
        foreach (var list in watchLists)
        {
            QueryNode query;
            try
            {
                query = QueryParser.Parse(list.Query);
            }
            catch (QueryException e)
            {
                throw new ArgumentException($"Watch-list '{list.Name}', at character {e.Position + 1} of its query: {e.Reason}", nameof(watchLists), e);
            }

            var listIndex = compiled.Count;
            var first = termList.Count;
            var hasRegex = false;
            var root = Compile(query);
            compiled.Add(new CompiledList(listIndex, list.Name, root, first, termList.Count - first, list.Weights.Title, list.Weights.Summary, list.MinScore, hasRegex, list.NearAcrossFields));

            Node Compile(QueryNode node)
            {
                switch (node)
                {
                    case TermNode term:
                        return new Leaf(AddTerm(term.Term));
                    case RegexNode regex:
                        hasRegex = true;
                        termList.Add(Term.ForRegex(listIndex, regex.Pattern, regex.Regex, regex.Scope));
                        sourceTerms |= regex.Scope == FieldScope.Source;
                        return new Leaf(termList.Count - 1);
                    case NearNode near:
                        return new Near([.. near.Left.Select(AddTerm)], [.. near.Right.Select(AddTerm)], near.Distance);
                    case ExceptNode except:
                        return new Except([.. except.Terms.Select(AddTerm)], [.. except.Excepted.Select(AddTerm)]);
                    case AndNode and:
                        return new All([.. and.Children.Select(c => Compile(c))]);
                    case OrNode alternatives when alternatives.Children.All(c => c is TermNode):
                        // The common list, "a OR b OR c": one node for the range of term ids, not a leaf each.
                        var from = termList.Count;
                        foreach (var child in alternatives.Children)
                        {
                            AddTerm(((TermNode)child).Term);
                        }

                        return new TermRange(from, termList.Count - from);
                    case OrNode or:
                        return new Any([.. or.Children.Select(c => Compile(c))]);
                    case NotNode not:
                        return new Not(Compile(not.Child));
                    default:
                        throw new InvalidOperationException($"Unknown query node {node.GetType().Name}.");
                }
            }

            int AddTerm(QueryTerm spec)
            {
                var term = Term.From(listIndex, spec);
                var id = termList.Count;
                termList.Add(term);
                sourceTerms |= term.Scope == FieldScope.Source;
                if (term.StartsWithPrefix)
                {
                    prefixKeys.Add((term.FirstWord, id));
                    filter.AddPrefix(term.FirstWord);
                    return id;
                }

                foreach (var form in term.IndexKeys())
                {
                    keys.Add(new IndexKey(form, id, listIndex, term.IsOneWord));
                    filter.Add(form);
                }

                return id;
            }
        }

        terms = [.. termList];
        lists = [.. compiled];
        regexLists = [.. Enumerable.Range(0, lists.Length).Where(i => lists[i].HasRegex)];
        index = new TermIndex(keys);
        prefixes = new PrefixIndex(prefixKeys);
        hasSourceTerms = sourceTerms;
    }

    public IReadOnlyList<WatchListMatch> Match(FeedItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return Match(item.Title, item.Summary, hasSourceTerms ? SourceOf(item) : "");
    }

    /// <summary>What source: terms are looked for in: the feed's id and the host of the item's link ("semiconductor-wire www.reuters.com").</summary>
    public static string SourceOf(FeedItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return Uri.TryCreate(item.Link, UriKind.Absolute, out var link) && link.Host.Length > 0 ? $"{item.FeedId} {link.Host}" : item.FeedId;
    }

    /// <param name="title">The item's title.</param>
    /// <param name="summary">The item's summary.</param>
    /// <param name="source">What source: terms look in (see <see cref="SourceOf"/>); other terms never do.</param>
    public IReadOnlyList<WatchListMatch> Match(string title, string summary, string source = "")
    {
        var s = scratch ??= new Scratch();
        s.Hits.Clear();
        var titleText = Tokenizer.Folded(title);
        var summaryText = Tokenizer.Folded(summary);
        var sourceText = hasSourceTerms ? Tokenizer.Folded(source) : "";
        s.TitleWords = Scan(titleText, TitleField, s);
        Scan(summaryText, SummaryField, s);
        if (sourceText.Length > 0)
        {
            Scan(sourceText, SourceField, s);
        }

        foreach (var list in regexLists)
        {
            RunRegexes(lists[list], titleText, TitleField, s);
            RunRegexes(lists[list], summaryText, SummaryField, s);
            RunRegexes(lists[list], sourceText, SourceField, s);
        }

        if (s.Hits.Count == 0)
        {
            return [];
        }

        // Group the hits by term (so by list, as a list's terms are numbered together), keeping text order.
        s.Hits.Sort(static (a, b) => a.Term != b.Term ? a.Term.CompareTo(b.Term) : a.Field != b.Field ? a.Field.CompareTo(b.Field) : a.Start.CompareTo(b.Start));
        List<WatchListMatch>? matches = null;
        var hits = s.Hits;
        for (var from = 0; from < hits.Count;)
        {
            var listIndex = hits[from].List;
            var to = from;
            while (to < hits.Count && hits[to].List == listIndex)
            {
                to++;
            }

            var list = lists[listIndex];
            var context = new Evaluation(hits, from, to, list.NearAcrossFields ? s.TitleWords : -1);
            if (context.Evaluate(list.Root))
            {
                s.Evidence.Clear();
                context.Collect(list.Root, s.Evidence);
                if (Explain(list, s.Evidence, s.Kept, titleText, summaryText, sourceText) is { } match)
                {
                    (matches ??= []).Add(match);
                }
            }

            from = to;
        }

        return matches is null ? [] : matches;
    }

    // Adds the hits in one field; returns its number of words.
    private int Scan(string text, int field, Scratch s)
    {
        var count = Tokenizer.Scan(text, ref s.Tokens, ref s.Hashes, filter);
        var tokens = s.Tokens;
        for (var i = 0; i < count; i++)
        {
            if (s.Hashes[i] == 0)
            {
                continue; // ruled out by the filter
            }

            if (prefixes.Count > 0)
            {
                ScanPrefixes(text, field, s, count, i);
            }

            var slot = index.SlotOf(s.Hashes[i]);
            if (slot < 0)
            {
                continue;
            }

            bool? wordMatches = null; // the text's word against the slot's, compared once
            for (int entry = index.Start(slot), end = entry + index.Count(slot); entry < end; entry++)
            {
                if (index.IsWholeTerm(entry))
                {
                    if (field == SourceField)
                    {
                        continue; // only source: terms look there
                    }

                    wordMatches ??= Tokenizer.FoldEquals(text.AsSpan(tokens[i].Start, tokens[i].Length), index.Word(slot));
                    if (wordMatches == true)
                    {
                        s.Hits.Add(new Hit(index.ListOf(entry), index.TermOf(entry), field, i, i + 1, tokens[i].Start, tokens[i].Length));
                    }

                    continue;
                }

                TryTermAt(text, field, s, count, i, index.TermOf(entry));
            }
        }

        return count;
    }

    // The terms whose first word is a prefix of the text's word i: one lookup per distinct prefix length.
    private void ScanPrefixes(string text, int field, Scratch s, int count, int i)
    {
        var token = s.Tokens[i];
        var word = text.AsSpan(token.Start, token.Length);
        Span<char> folded = word.Length <= 64 ? stackalloc char[word.Length] : new char[word.Length];
        var length = Tokenizer.FoldInto(word, folded);
        var lengths = prefixes.Lengths;
        Span<ulong> hashes = lengths.Length <= 64 ? stackalloc ulong[lengths.Length] : new ulong[lengths.Length];
        for (int p = 0, n = Tokenizer.PrefixHashes(folded[..length], lengths, hashes); p < n; p++)
        {
            if (prefixes.TermsOf(hashes[p]) is { } candidates)
            {
                foreach (var termId in candidates)
                {
                    TryTermAt(text, field, s, count, i, termId);
                }
            }
        }
    }

    private void TryTermAt(string text, int field, Scratch s, int count, int i, int termId)
    {
        var term = terms[termId];
        if (!InScope(term.Scope, field))
        {
            return;
        }

        if (term.MatchAt(text, s.Tokens, count, i) is var after and > 0)
        {
            // The symbols around the words are part of what matched: "$MU", "C++".
            var start = s.Tokens[i].Start - term.Prefix.Length;
            s.Hits.Add(new Hit(term.List, termId, field, i, after, start, s.Tokens[after - 1].End + term.Suffix.Length - start));
        }
    }

    private static bool InScope(FieldScope scope, int field) => scope switch
    {
        FieldScope.Any => field != SourceField,
        FieldScope.Title => field == TitleField,
        FieldScope.Summary => field == SummaryField,
        _ => field == SourceField,
    };

    private void RunRegexes(CompiledList list, string text, int field, Scratch s)
    {
        for (var termId = list.FirstTerm; termId < list.FirstTerm + list.TermCount; termId++)
        {
            if (terms[termId].Extras?.Regex is not { } regex || !InScope(terms[termId].Scope, field) || text.Length == 0)
            {
                continue;
            }

            try
            {
                foreach (System.Text.RegularExpressions.Match m in regex.Matches(text))
                {
                    if (m.Length > 0)
                    {
                        s.Hits.Add(new Hit(list.Index, termId, field, -1, -1, m.Index, m.Length));
                    }
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // A pathological pattern on this text: counts as no match rather than stalling the cycle.
            }
        }
    }

    private WatchListMatch? Explain(CompiledList list, List<Hit> hits, List<Hit> kept, string title, string summary, string source)
    {
        // Text order, title first; a term inside a longer one already kept ("Micron" within "Micron
        // Technology") adds nothing, and one hit per term and field explains enough.
        hits.Sort(static (a, b) => a.Field != b.Field ? a.Field.CompareTo(b.Field) : a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Length != b.Length ? b.Length.CompareTo(a.Length) : a.Term.CompareTo(b.Term));
        kept.Clear();
        foreach (var hit in hits)
        {
            if (!Covered(kept, hit))
            {
                kept.Add(hit);
            }
        }

        // Each distinct term adds the weight of the best field it was found in.
        var score = 0;
        for (var i = 0; i < kept.Count; i++)
        {
            if (FoundBefore(kept, i))
            {
                continue;
            }

            var best = 0;
            for (var j = i; j < kept.Count; j++)
            {
                if (kept[j].Term == kept[i].Term)
                {
                    best = Math.Max(best, kept[j].Field == TitleField ? list.TitleWeight : list.SummaryWeight); // the source weighs as the summary
                }
            }

            score += best;
        }

        if (score < list.MinScore)
        {
            return null;
        }

        var evidence = new MatchEvidence[kept.Count];
        for (var i = 0; i < kept.Count; i++)
        {
            var hit = kept[i];
            evidence[i] = hit.Field switch
            {
                TitleField => Evidence(terms[hit.Term].Display, MatchEvidence.Title, title, hit.Start, hit.Length),
                SummaryField => Evidence(terms[hit.Term].Display, MatchEvidence.Summary, summary, hit.Start, hit.Length),
                _ => Evidence(terms[hit.Term].Display, MatchEvidence.Source, source, hit.Start, hit.Length),
            };
        }

        return new WatchListMatch
        {
            WatchList = list.Name,
            Score = score,
            Evidence = evidence,
        };
    }

    private static bool Covered(List<Hit> kept, Hit hit)
    {
        foreach (var k in kept)
        {
            if (k.Field == hit.Field && (k.Term == hit.Term || (hit.Start < k.Start + k.Length && k.Start < hit.Start + hit.Length)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool FoundBefore(List<Hit> kept, int i)
    {
        for (var j = 0; j < i; j++)
        {
            if (kept[j].Term == kept[i].Term)
            {
                return true;
            }
        }

        return false;
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

    /// <summary>One place a term was found: token range (for NEAR) and character range in the field.</summary>
    private readonly record struct Hit(int List, int Term, int Field, int FirstToken, int EndToken, int Start, int Length);

    private sealed class Scratch
    {
        public Token[] Tokens = new Token[256];
        public ulong[] Hashes = new ulong[256];
        public readonly List<Hit> Hits = [];
        public readonly List<Hit> Evidence = [];
        public readonly List<Hit> Kept = [];
        public int TitleWords;
    }

    private sealed record CompiledList(int Index, string Name, Node Root, int FirstTerm, int TermCount, int TitleWeight, int SummaryWeight, int MinScore, bool HasRegex, bool NearAcrossFields);

    // The compiled query: leaves refer to term ids.
    private abstract class Node;

    private sealed class Leaf(int term) : Node
    {
        public int Term { get; } = term;
    }

    private sealed class TermRange(int first, int count) : Node
    {
        public int First { get; } = first;
        public int Count { get; } = count;
    }

    private sealed class Near(int[] left, int[] right, int distance) : Node
    {
        public int[] Left { get; } = left;
        public int[] Right { get; } = right;
        public int Distance { get; } = distance;
    }

    private sealed class Except(int[] terms, int[] excepted) : Node
    {
        public int[] Terms { get; } = terms;
        public int[] Excepted { get; } = excepted;
    }

    private sealed class All(Node[] children) : Node
    {
        public Node[] Children { get; } = children;
    }

    private sealed class Any(Node[] children) : Node
    {
        public Node[] Children { get; } = children;
    }

    private sealed class Not(Node child) : Node
    {
        public Node Child { get; } = child;
    }

    /// <summary>
    /// A list's query over its hits, which are hits[from..to), sorted by term. <paramref name="titleWords"/>
    /// is the title's word count when NEAR may span title and summary (the summary's words follow the
    /// title's), else -1.
    /// </summary>
    private readonly struct Evaluation(List<Hit> hits, int from, int to, int titleWords)
    {
        public bool Evaluate(Node node) => node switch
        {
            Leaf leaf => Has(leaf.Term, leaf.Term + 1),
            TermRange range => Has(range.First, range.First + range.Count),
            Near near => NearHits(near, null),
            Except except => ExceptHits(except, null),
            All all => EvaluateAll(all.Children),
            Any any => EvaluateAny(any.Children),
            Not not => !Evaluate(not.Child),
            _ => false,
        };

        // Loops, not Array.TrueForAll with a method group: that would box this struct on every call.
        private bool EvaluateAll(Node[] children)
        {
            foreach (var child in children)
            {
                if (!Evaluate(child))
                {
                    return false;
                }
            }

            return true;
        }

        private bool EvaluateAny(Node[] children)
        {
            foreach (var child in children)
            {
                if (Evaluate(child))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The hits that make the query true: those of the true branches, never of an exclusion.</summary>
        public void Collect(Node node, List<Hit> evidence)
        {
            switch (node)
            {
                case Leaf leaf:
                    AddHits(leaf.Term, leaf.Term + 1, evidence);
                    break;
                case TermRange range:
                    AddHits(range.First, range.First + range.Count, evidence);
                    break;
                case Near near:
                    NearHits(near, evidence);
                    break;
                case Except except:
                    ExceptHits(except, evidence);
                    break;
                case All all:
                    foreach (var child in all.Children)
                    {
                        Collect(child, evidence);
                    }

                    break;
                case Any any:
                    foreach (var child in any.Children)
                    {
                        if (Evaluate(child))
                        {
                            Collect(child, evidence);
                        }
                    }

                    break;
            }
        }

        private void AddHits(int first, int end, List<Hit> evidence)
        {
            for (var i = from; i < to; i++)
            {
                if (hits[i].Term >= first && hits[i].Term < end)
                {
                    evidence.Add(hits[i]);
                }
            }
        }

        private bool Has(int first, int end)
        {
            for (var i = from; i < to; i++)
            {
                if (hits[i].Term >= first && hits[i].Term < end)
                {
                    return true;
                }
            }

            return false;
        }

        // True when some hit of Left and some hit of Right, in one field and not overlapping, have at
        // most Distance words between them; adds every such pair to evidence when it is given.
        private bool NearHits(Near near, List<Hit>? evidence)
        {
            var found = false;
            for (var i = from; i < to; i++)
            {
                if (Array.IndexOf(near.Left, hits[i].Term) < 0)
                {
                    continue;
                }

                for (var j = from; j < to; j++)
                {
                    var (a, b) = (hits[i], hits[j]);
                    if (Array.IndexOf(near.Right, b.Term) < 0 || (a.Field != b.Field && (titleWords < 0 || a.Field == SourceField || b.Field == SourceField)))
                    {
                        continue;
                    }

                    // Across fields, a summary word's position follows the title's words.
                    var (aFirst, aEnd) = a.Field == SummaryField && b.Field != a.Field ? (a.FirstToken + titleWords, a.EndToken + titleWords) : (a.FirstToken, a.EndToken);
                    var (bFirst, bEnd) = b.Field == SummaryField && b.Field != a.Field ? (b.FirstToken + titleWords, b.EndToken + titleWords) : (b.FirstToken, b.EndToken);
                    var gap = aEnd <= bFirst ? bFirst - aEnd
                        : bEnd <= aFirst ? aFirst - bEnd
                        : -1;
                    if (gap >= 0 && gap <= near.Distance)
                    {
                        if (evidence is null)
                        {
                            return true;
                        }

                        found = true;
                        evidence.Add(a);
                        evidence.Add(b);
                    }
                }
            }

            return found;
        }

        // True when some hit of Terms lies outside every hit of Excepted in its field; adds each such hit to evidence when given.
        private bool ExceptHits(Except except, List<Hit>? evidence)
        {
            var found = false;
            for (var i = from; i < to; i++)
            {
                var hit = hits[i];
                if (Array.IndexOf(except.Terms, hit.Term) < 0 || InsideExcepted(except, hit))
                {
                    continue;
                }

                if (evidence is null)
                {
                    return true;
                }

                found = true;
                evidence.Add(hit);
            }

            return found;
        }

        private bool InsideExcepted(Except except, Hit hit)
        {
            for (var j = from; j < to; j++)
            {
                var other = hits[j];
                if (other.Field == hit.Field && Array.IndexOf(except.Excepted, other.Term) >= 0 && other.Start <= hit.Start && hit.Start + hit.Length <= other.Start + other.Length)
                {
                    return true;
                }
            }

            return false;
        }
    }
}

/// <summary>The wildcards (subsid*): term ids by the hash of their folded prefix, and the distinct prefix lengths, shortest first.</summary>
internal sealed class PrefixIndex
{
    private readonly Dictionary<ulong, int[]> terms;

    public PrefixIndex(List<(string Prefix, int Term)> keys)
    {
        terms = keys.GroupBy(k => Tokenizer.HashOfFolded(k.Prefix)).ToDictionary(g => g.Key, g => g.Select(k => k.Term).ToArray());
        Lengths = [.. keys.Select(k => k.Prefix.Length).Distinct().Order()];
    }

    public int Count => terms.Count;

    public int[] Lengths { get; }

    /// <summary>The terms of a prefix hash (a collision only costs their full comparison), or null.</summary>
    public int[]? TermsOf(ulong hash) => terms.GetValueOrDefault(hash);
}
