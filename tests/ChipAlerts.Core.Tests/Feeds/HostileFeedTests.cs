using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Tests.Support;
using Xunit.Abstractions;

namespace ChipAlerts.Core.Tests.Feeds;

/// <summary>
/// Every hostile and broken fixture of the ingestion issue, served from 127.0.0.1 and polled through the
/// real pipeline: each gets its own error code within the fetch deadline, costs less than twice the size
/// cap beyond a good feed's cost, and does not stop the other feeds of the cycle. Serial, because it
/// measures process-wide allocations.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class HostileFeedTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const long Cap = 1024 * 1024; // PipelineHost.FastSettings
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);

    private const string GoodFeed = """
        <?xml version="1.0" encoding="utf-8"?>
        <rss version="2.0"><channel><title>Good</title>
          <item><title>Rapidus starts 2nm pilot line</title><link>https://good.example.com/1</link><guid>g-1</guid></item>
          <item><title>Micron (MU.O) beats estimates</title><link>https://good.example.com/2</link><guid>g-2</guid></item>
        </channel></rss>
        """;

    /// <summary>Each fixture's path on the server and the code it must get.</summary>
    public static readonly TheoryData<string, string> Fixtures = new()
    {
        { "entity-bomb", "dtd-entity-expansion" },
        { "external-entity-file", "dtd-external-entity" },
        { "external-entity-http", "dtd-external-entity" },
        { "parameter-entity", "dtd-parameter-entity" },
        { "external-dtd-subset", "dtd-external" },
        { "deep-200000", "too-deep" },
        { "body-60mb", "too-large" },
        { "gzip-300kb-to-300mb", "inflates-too-large" },
        { "byte-every-half-second", "timeout" },
        { "truncated", "malformed-xml" },
        { "html-challenge", "html-page" },
        { "empty-body", "empty" },
        { "unknown-root", "not-a-feed" },
        { "json-error", "json-body" },
        { "not-found", "http-404" },
    };

    private static readonly Lazy<byte[]> GzipBomb = new(() =>
    {
        // 300 MB of spaces after a feed's opening, compressed on the fly: about 300 KB on the wire.
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize))
        {
            gzip.Write("<rss version=\"2.0\"><channel><title>"u8);
            var spaces = new byte[1024 * 1024];
            Array.Fill(spaces, (byte)' ');
            for (var i = 0; i < 300; i++)
            {
                gzip.Write(spaces);
            }
        }

        return output.ToArray();
    });

    private readonly TempDir dir = new();
    private TestServer feeds = null!;
    private TcpListener trap = null!;
    private int trapConnections;

    public async Task InitializeAsync()
    {
        feeds = await TestServer.StartAsync();
        trap = new TcpListener(IPAddress.Loopback, 0);
        trap.Start();
        _ = CountTrapConnectionsAsync();
        var trapUrl = $"http://127.0.0.1:{((IPEndPoint)trap.LocalEndpoint).Port}";

        var sixtyMegabytes = Encoding.UTF8.GetBytes(new string('x', 64 * 1024));
        feeds.MapFeed("/good", GoodFeed)
            .MapText("/entity-bomb", Fixture("entity-bomb.xml"))
            .MapText("/external-entity-file", Fixture("external-entity.xml"))
            .MapText("/external-entity-http", $"""<?xml version="1.0"?><!DOCTYPE rss [ <!ENTITY steal SYSTEM "{trapUrl}/steal"> ]><rss version="2.0"><channel><title>t</title><item><title>&steal;</title></item></channel></rss>""")
            .MapText("/parameter-entity", Fixture("parameter-entity.xml").Replace("http://127.0.0.1:9", trapUrl, StringComparison.Ordinal))
            .MapText("/external-dtd", Fixture("external-dtd.xml").Replace("http://127.0.0.1:9", trapUrl, StringComparison.Ordinal))
            .MapText("/external-dtd-subset", Fixture("external-dtd-subset.xml").Replace("http://127.0.0.1:9", trapUrl, StringComparison.Ordinal))
            .MapText("/deep-200000", new StringBuilder("<rss version=\"2.0\"><channel>").Insert(28, "<x>", 200_000).ToString())
            .Map("/body-60mb", async context =>
            {
                for (var sent = 0L; sent < 60L * 1000 * 1000; sent += sixtyMegabytes.Length)
                {
                    await context.Response.Body.WriteAsync(sixtyMegabytes, context.RequestAborted);
                }
            })
            .Map("/gzip-300kb-to-300mb", async context =>
            {
                context.Response.Headers.ContentEncoding = "gzip";
                await context.Response.Body.WriteAsync(GzipBomb.Value, context.RequestAborted);
            })
            .Map("/byte-every-half-second", async context =>
            {
                context.Response.ContentType = "application/rss+xml";
                await context.Response.Body.FlushAsync(context.RequestAborted);
                foreach (var b in Encoding.UTF8.GetBytes(GoodFeed))
                {
                    await context.Response.Body.WriteAsync(new[] { b }, context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    await Task.Delay(500, context.RequestAborted);
                }
            })
            .MapText("/truncated", GoodFeed[..(GoodFeed.Length / 2)])
            .MapText("/html-challenge", Fixture("html-page.html"), "text/html; charset=utf-8", status: 200)
            .MapText("/empty-body", "")
            .MapText("/unknown-root", Fixture("not-a-feed.xml"), "application/xml")
            .MapText("/json-error", Fixture("json-error.json"), "application/json")
            .MapText("/not-found", GoodFeed, status: 404);
    }

    public async Task DisposeAsync()
    {
        trap.Stop();
        await feeds.DisposeAsync();
        dir.Dispose();
    }

    [Fact]
    public async Task Cycle_EveryHostileFixtureBesideAGoodFeed_EachFailsWithItsCodeAndTheGoodFeedAlerts()
    {
        var ids = Fixtures.Select(row => (string)row[0]).ToList();
        using var host = Host([Configs.Feed("good", feeds.Url("/good")), Configs.Feed("external-dtd", feeds.Url("/external-dtd")), .. ids.Select(id => Configs.Feed(id, feeds.Url("/" + id)))]);

        var stopwatch = Stopwatch.StartNew();
        var summary = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal(
            Fixtures.Select(row => $"{row[0]}: {row[1]}").Order(),
            summary.Failures.Select(f => $"{f.FeedId}: {f.Code}").Order());
        Assert.Equal(14, Fixtures.Select(row => (string)row[1]).Distinct().Count()); // 15 fixtures; the file and http external entities share a code
        // The good feed's two items, and the one of the feed whose bare DOCTYPE points at the trap: read, never fetched.
        Assert.Equal(3, summary.NewItems);
        Assert.Equal(3, summary.AlertsCreated);
        Assert.Equal(0, trapConnections);
        Assert.InRange(GzipBomb.Value.Length, 250_000, 350_000); // "300 KB that inflates to 300 MB"
        // 17 feeds, 8 at a time: the slowest (the 2 s deadline) sets the pace.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(15), $"cycle took {stopwatch.Elapsed}");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task Poll_HostileFixture_DistinctCodeWithinDeadlineAndBoundedMemory(string id, string code)
    {
        using var host = Host([Configs.Feed("good", feeds.Url("/good")), Configs.Feed(id, feeds.Url("/" + id))]);
        _ = GzipBomb.Value;
        await host.Pipeline.PollFeedAsync("good", planned: null, default); // warm up JIT, pools and the connection
        var baseline = await MeasureAsync(() => host.Pipeline.PollFeedAsync("good", planned: null, default));

        var (outcome, elapsed, allocated) = await MeasureAsync(() => host.Pipeline.PollFeedAsync(id, planned: null, default));

        output.WriteLine($"| {id} | {outcome!.ErrorCode} | {elapsed.TotalMilliseconds:N0} ms | {allocated / 1024.0 / 1024:N2} MiB | baseline {baseline.Allocated / 1024.0 / 1024:N2} MiB |");
        Assert.Equal(code, outcome.ErrorCode);
        Assert.True(elapsed < Deadline + TimeSpan.FromSeconds(1), $"took {elapsed}");
        Assert.True(allocated < 2 * Cap + baseline.Allocated, $"allocated {allocated:N0} bytes; the bound is {2 * Cap + baseline.Allocated:N0}");
        Assert.Equal(0, trapConnections);
    }

    [Fact]
    public async Task Poll_ABareDoctypeThatPointsAtAnExternalDtd_IsReadAndTheDtdNeverFetched()
    {
        using var host = Host([Configs.Feed("external-dtd", feeds.Url("/external-dtd"))]);

        var outcome = await host.Pipeline.PollFeedAsync("external-dtd", planned: null, default);

        Assert.Null(outcome!.ErrorCode);
        Assert.Equal(1, outcome.NewItems);
        Assert.Equal(0, trapConnections);
    }

    private PipelineHost Host(IEnumerable<FeedConfig> list) =>
        PipelineHost.Create(dir, Configs.With(list), new Dictionary<string, string?> { ["ChipAlerts:Fetch:Timeout"] = "00:00:02" }, TimeProvider.System);

    private static async Task<(T Result, TimeSpan Elapsed, long Allocated)> MeasureAsync<T>(Func<Task<T>> action)
    {
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var stopwatch = Stopwatch.StartNew();
        var result = await action();
        stopwatch.Stop();
        return (result, stopwatch.Elapsed, GC.GetTotalAllocatedBytes(precise: true) - before);
    }

    private static string Fixture(string name) => File.ReadAllText(TestPaths.Fixture("Feeds/" + name));

    private async Task CountTrapConnectionsAsync()
    {
        try
        {
            while (true)
            {
                using var client = await trap.AcceptTcpClientAsync();
                Interlocked.Increment(ref trapConnections);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // stopped
        }
    }
}
