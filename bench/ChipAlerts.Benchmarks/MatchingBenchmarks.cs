using System.Buffers;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using ChipAlerts.Core.Matching;

namespace ChipAlerts.Benchmarks;

/// <summary>
/// Items per second on one core: the engine against three baselines at 10 and 1,000 rules. Each
/// operation is one ~1 KB item (title and summary). The baselines do less than the engine: they only
/// find whether some term occurs, with no per-list query, evidence or score.
/// </summary>
[MemoryDiagnoser]
public class MatchingBenchmarks
{
    private const int ItemCount = 256;

    private List<(string Title, string Summary)> items = [];
    private WatchListMatcher engine = null!;
    private Regex[] perRule = [];
    private Regex alternation = null!;
    private SearchValues<string> searchValues = null!;

    [Params(10, 1_000)]
    public int Rules { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        items = Workload.Items(ItemCount);
        var terms = Workload.Terms(Rules);
        engine = new WatchListMatcher(Workload.Lists(terms));
        const RegexOptions options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled;
        perRule = [.. terms.Select(t => new Regex($@"\b{Regex.Escape(t)}\b", options))];
        alternation = new Regex($@"\b(?:{string.Join("|", terms.Select(Regex.Escape))})\b", options);
        searchValues = SearchValues.Create([.. terms], StringComparison.OrdinalIgnoreCase);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = ItemCount)]
    public int Engine()
    {
        var found = 0;
        foreach (var (title, summary) in items)
        {
            found += engine.Match(title, summary).Count;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = ItemCount)]
    public int RegexPerRule()
    {
        var found = 0;
        foreach (var (title, summary) in items)
        {
            foreach (var regex in perRule)
            {
                found += regex.IsMatch(title) || regex.IsMatch(summary) ? 1 : 0;
            }
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = ItemCount)]
    public int RegexAlternation()
    {
        var found = 0;
        foreach (var (title, summary) in items)
        {
            found += alternation.Count(title) + alternation.Count(summary);
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = ItemCount)]
    public int SearchValuesOfString()
    {
        var found = 0;
        foreach (var (title, summary) in items)
        {
            found += CountAll(title) + CountAll(summary);
        }

        return found;
    }

    private int CountAll(string text)
    {
        var count = 0;
        var span = text.AsSpan();
        int at;
        while ((at = span.IndexOfAny(searchValues)) >= 0)
        {
            count++;
            span = span[(at + 1)..];
        }

        return count;
    }
}

/// <summary>The engine alone at 100,000 and 1,000,000 rules, where the per-rule baselines cannot follow.</summary>
[MemoryDiagnoser]
public class MatchingScaleBenchmarks
{
    private const int ItemCount = 256;

    private List<(string Title, string Summary)> items = [];
    private WatchListMatcher engine = null!;

    [Params(100_000, 1_000_000)]
    public int Rules { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        items = Workload.Items(ItemCount);
        engine = new WatchListMatcher(Workload.Lists(Workload.Terms(Rules)));
    }

    [Benchmark(OperationsPerInvoke = ItemCount)]
    public int Engine()
    {
        var found = 0;
        foreach (var (title, summary) in items)
        {
            found += engine.Match(title, summary).Count;
        }

        return found;
    }
}
