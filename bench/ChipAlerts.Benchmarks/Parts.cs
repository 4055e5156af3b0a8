using System.Diagnostics;
using System.Text;
using ChipAlerts.Core.Matching;

namespace ChipAlerts.Benchmarks;

/// <summary>Where the time of one item goes: normalisation check, tokenising and hashing, the whole match.</summary>
public static class Parts
{
    public static void Run()
    {
        var items = Workload.Items(1_000);
        var matcher = new WatchListMatcher(Workload.Lists(Workload.Terms(10)));
        var tokens = new Token[256];
        var hashes = new ulong[256];
        Time("IsNormalized(FormKC)", items, i => i.Title.IsNormalized(NormalizationForm.FormKC) && i.Summary.IsNormalized(NormalizationForm.FormKC) ? 1 : 0);
        Time("Ascii.IsValid", items, i => Ascii.IsValid(i.Title) && Ascii.IsValid(i.Summary) ? 1 : 0);
        Time("Tokenizer.Scan", items, i => Tokenizer.Scan(i.Title, ref tokens, ref hashes) + Tokenizer.Scan(i.Summary, ref tokens, ref hashes));
        Time("Match (10 rules)", items, i => matcher.Match(i.Title, i.Summary).Count);
        var big = new WatchListMatcher(Workload.Lists(Workload.Terms(1_000_000, realTerms: 0)));
        Time("Match (1M, no hits)", items, i => big.Match(i.Title, i.Summary).Count);
        big = new WatchListMatcher(Workload.Lists(Workload.Terms(1_000_000)));
        Time("Match (1M)", items, i => big.Match(i.Title, i.Summary).Count);
    }

    private static void Time(string what, List<(string Title, string Summary)> items, Func<(string Title, string Summary), int> work)
    {
        var sink = 0;
        var warmUp = Stopwatch.StartNew();
        for (var i = 0; warmUp.Elapsed < TimeSpan.FromSeconds(2); i++)
        {
            sink += work(items[i % items.Count]);
        }

        var watch = Stopwatch.StartNew();
        const int n = 100_000;
        for (var i = 0; i < n; i++)
        {
            sink += work(items[i % items.Count]);
        }

        Console.WriteLine($"{what,-24} {watch.Elapsed.TotalNanoseconds / n,8:N0} ns/item  ({sink})");
    }
}
