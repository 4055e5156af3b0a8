using System.Text;
using BenchmarkDotNet.Attributes;
using ChipAlerts.Core.Matching;

namespace ChipAlerts.Benchmarks;

/// <summary>Where the engine's time per ~1 KB item goes when nothing matches: the NFKC check, the scan, the whole match.</summary>
public class ScanBenchmarks
{
    private const int ItemCount = 256;
    private List<(string Title, string Summary)> items = [];
    private WatchListMatcher empty = null!;
    private Token[] tokens = new Token[256];
    private ulong[] hashes = new ulong[256];

    [GlobalSetup]
    public void Setup()
    {
        items = Workload.Items(ItemCount);
        empty = new WatchListMatcher(Workload.Lists(Workload.Terms(10, realTerms: 0)));
    }

    [Benchmark(OperationsPerInvoke = ItemCount)]
    public int NormalizationCheck()
    {
        var n = 0;
        foreach (var (title, summary) in items)
        {
            n += (Ascii.IsValid(title) || title.IsNormalized(NormalizationForm.FormKC)) && (Ascii.IsValid(summary) || summary.IsNormalized(NormalizationForm.FormKC)) ? 1 : 0;
        }

        return n;
    }

    [Benchmark(OperationsPerInvoke = ItemCount)]
    public int Scan()
    {
        var n = 0;
        foreach (var (title, summary) in items)
        {
            n += Tokenizer.Scan(title, ref tokens, ref hashes) + Tokenizer.Scan(summary, ref tokens, ref hashes);
        }

        return n;
    }

    [Benchmark(OperationsPerInvoke = ItemCount)]
    public int MatchNothing()
    {
        var n = 0;
        foreach (var (title, summary) in items)
        {
            n += empty.Match(title, summary).Count;
        }

        return n;
    }
}
