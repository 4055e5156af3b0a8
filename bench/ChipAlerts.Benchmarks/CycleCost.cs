using System.Diagnostics;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace ChipAlerts.Benchmarks;

/// <summary>
/// `cycle FEEDS_TXT [N]`: N poll cycles of every feed in FEEDS_TXT (one URL a line: the harness's farm,
/// served by nginx in its own process) in one process, nobody subscribed: the first reads everything, the
/// rest get 304s. Each cycle's time and stages, so a cold process's cost and a warm cycle's can be told apart.
/// Settings from the environment as the CLI reads them (ChipAlerts__Fetch__MaxPerHost=8 ...).
/// </summary>
internal static class CycleCost
{
    public static async Task RunAsync(string feedsTxt, int cycles)
    {
        var dir = Directory.CreateTempSubdirectory("chipalerts-cycle-").FullName;
        var feeds = File.ReadAllLines(feedsTxt).Where(l => l.Length > 0).Select((url, i) => new FeedConfig { Id = $"f{i + 1:0000}", Url = url }).ToList();
        var config = new ChipAlertsConfig
        {
            Feeds = feeds,
            WatchLists = [new WatchListConfig { Name = "Rapidus", Query = "Rapidus" }],
        };
        await using (var services = await BenchServices.CreateAsync(dir, config, [KeyValuePair.Create("ChipAlerts:Fetch:AllowPrivateNetworks", (string?)"true")]))
        {
            var pipeline = services.GetRequiredService<AlertPipeline>();
            Console.WriteLine("| cycle | feeds | not modified | new items | inside the cycle | CPU | stages (feeds summed) |");
            Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | --- |");
            var process = Process.GetCurrentProcess();
            for (var i = 1; i <= cycles; i++)
            {
                process.Refresh();
                var cpu = process.TotalProcessorTime;
                var summary = await pipeline.RunCycleAsync(allFeeds: true, default);
                process.Refresh();
                Console.WriteLine(FormattableString.Invariant(
                    $"| {i} | {summary.FeedsPolled} | {summary.FeedsNotModified} | {summary.NewItems:N0} | {summary.Elapsed.TotalMilliseconds:N0} ms | {(process.TotalProcessorTime - cpu).TotalMilliseconds:N0} ms | {summary.Stages} |"));
            }
        }

        Directory.Delete(dir, recursive: true);
    }
}
