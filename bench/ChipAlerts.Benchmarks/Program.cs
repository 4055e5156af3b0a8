using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ChipAlerts.Benchmarks;
using ChipAlerts.Core.Matching;

// dotnet run -c Release --project bench/ChipAlerts.Benchmarks -- compile            compile time and memory per rule
// dotnet run -c Release --project bench/ChipAlerts.Benchmarks -- throughput [N] [wildcards]   items/s per rule count, one core, quick
//                                                                                   (wildcards: one term in ten a prefix*)
// dotnet run -c Release --project bench/ChipAlerts.Benchmarks -- --filter '*'       BenchmarkDotNet: engine vs baselines, scale, scan parts
// dotnet run -c Release --project bench/ChipAlerts.Benchmarks -- delivery [N]       emails/s and webhooks/s on loopback for N alerts (and N/10, 3N)
// dotnet run -c Release --project bench/ChipAlerts.Benchmarks -- delivery-to PORT N [DESTINATIONS]   N emails to an SMTP server in another process (../shared/bench/smtpsink.py)
// dotnet run -c Release --project bench/ChipAlerts.Benchmarks -- delivery-parts PORT N   one email alert's delivery part by part (compose, outbox read and writes, MailKit's send)
// dotnet run -c Release --project bench/ChipAlerts.Benchmarks -- cycle FEEDS_TXT [N]  N poll cycles of the harness farm's feeds in one process: the first reads all, the rest are 304s
// dotnet run -c Release --project bench/ChipAlerts.Benchmarks -- parse FILE...     µs per item to parse feed files (decode, gate, map, HTML to text), one core, after warm-up
// dotnet run -c Release --project bench/ChipAlerts.Benchmarks -- stories           placing an item in a story with 1,000 to 100,000 stories stored
// dotnet run -c Release --project bench/ChipAlerts.Benchmarks -- duequery CONN      the due pass's query cost on Table Storage, 1,000 and 100,000 alerts stored
if (args is ["compile", ..])
{
    Compile();
    return;
}

if (args is ["delivery", ..])
{
    await DeliveryThroughput.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000);
    return;
}

if (args is ["delivery-to", var port, var count, ..])
{
    await DeliveryThroughput.RunOnceAsync("email", int.Parse(count, CultureInfo.InvariantCulture), args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 1, int.Parse(port, CultureInfo.InvariantCulture));
    return;
}

if (args is ["delivery-parts", var partsPort, var partsCount])
{
    await DeliveryParts.RunAsync(int.Parse(partsPort, CultureInfo.InvariantCulture), int.Parse(partsCount, CultureInfo.InvariantCulture));
    return;
}

if (args is ["cycle", var feedsTxt, ..])
{
    await CycleCost.RunAsync(feedsTxt, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5);
    return;
}

if (args is ["parse", _, ..])
{
    Parse(args[1..]);
    return;
}

if (args is ["stories"])
{
    await StoryIndexCost.RunAsync();
    return;
}

if (args is ["duequery", var connectionString])
{
    await DueQueryCost.RunAsync(connectionString);
    return;
}

if (args is ["throughput", ..])
{
    Throughput(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000, wildcards: args.Contains("wildcards"));
    return;
}

// In-process: no generated project to restore and build; pinned to one core.
var config = DefaultConfig.Instance.AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(10));
PinToOneCore();
BenchmarkSwitcher.FromAssembly(typeof(MatchingBenchmarks).Assembly).Run(args, config);

static void Parse(string[] files)
{
    PinToOneCore();
    var bodies = files.Select(f => (Body: File.ReadAllBytes(f), Url: new Uri(Path.GetFullPath(f)))).ToList();
    var items = bodies.Sum(b => ChipAlerts.Core.Feeds.FeedParser.Parse("f", b.Body, null, new Uri("https://example.com/feed")).Count);
    for (var round = 0; round < 4; round++)
    {
        var watch = Stopwatch.StartNew();
        var passes = 0;
        while (watch.Elapsed < TimeSpan.FromSeconds(round == 0 ? 3 : 2))
        {
            foreach (var (body, _) in bodies)
            {
                ChipAlerts.Core.Feeds.FeedParser.ParseFeed("f", body, null, new Uri("https://example.com/feed"));
            }

            passes++;
        }

        if (round > 0)
        {
            Console.WriteLine(FormattableString.Invariant($"{files.Length} file(s), {items} items: {watch.Elapsed.TotalMicroseconds / passes / items:N1} µs per item"));
        }
    }
}

static void Compile()
{
    Console.WriteLine("| rules | lists | compile | retained memory | per rule |");
    Console.WriteLine("| ---: | ---: | ---: | ---: | ---: |");
    foreach (var count in new[] { 10, 1_000, 100_000, 1_000_000 })
    {
        var lists = Workload.Lists(Workload.Terms(count));
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var watch = Stopwatch.StartNew();
        var matcher = new WatchListMatcher(lists);
        watch.Stop();
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        var retained = GC.GetTotalMemory(forceFullCollection: true) - before;
        Console.WriteLine(FormattableString.Invariant(
            $"| {count:N0} | {lists.Count:N0} | {watch.Elapsed.TotalMilliseconds:N1} ms | {retained / 1048576.0:N1} MiB | {(double)retained / count:N0} B |"));
        GC.KeepAlive(matcher);
        GC.KeepAlive(lists);
    }
}

static void PinToOneCore()
{
    if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows())
    {
        Process.GetCurrentProcess().ProcessorAffinity = 1;
    }
}

static void Throughput(int itemCount, bool wildcards)
{
    PinToOneCore();
    var items = Workload.Items(1_000);
    var bytes = items.Sum(i => (i.Title.Length + i.Summary.Length) * 1L); // UTF-16 chars ≈ bytes of the UTF-8 news text
    Console.WriteLine($"items: {items.Count}, average {bytes / items.Count} characters");
    Console.WriteLine("| rules | items/s | MB/s | matches per item |");
    Console.WriteLine("| ---: | ---: | ---: | ---: |");
    foreach (var count in new[] { 10, 1_000, 100_000, 1_000_000 })
    {
        var lists = Workload.Lists(Workload.Terms(count), wildcards: wildcards);
        if (wildcards)
        {
            Console.WriteLine(FormattableString.Invariant($"{count:N0} rules, {lists.Sum(l => l.Query.Split(" OR ").Count(t => t.EndsWith("*\"", StringComparison.Ordinal))):N0} of them wildcards"));
        }

        var matcher = new WatchListMatcher(lists);
        // Warm up for a while, not a count: the JIT's optimised tier arrives after a delay, in the background.
        var matches = 0L;
        var warmUp = Stopwatch.StartNew();
        for (var i = 0; warmUp.Elapsed < TimeSpan.FromSeconds(2); i++)
        {
            matches += matcher.Match(items[i % items.Count].Title, items[i % items.Count].Summary).Count;
        }

        matches = 0;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < itemCount; i++)
        {
            var (title, summary) = items[i % items.Count];
            matches += matcher.Match(title, summary).Count;
        }

        watch.Stop();
        var perSecond = itemCount / watch.Elapsed.TotalSeconds;
        Console.WriteLine(FormattableString.Invariant(
            $"| {count:N0} | {perSecond:N0} | {perSecond * bytes / items.Count / 1e6:N1} | {(double)matches / itemCount:N2} |"));
    }
}
