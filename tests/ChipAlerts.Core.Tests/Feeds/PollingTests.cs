using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace ChipAlerts.Core.Tests.Feeds;

/// <summary>Polite polling and item identity through the real pipeline, against a real server on 127.0.0.1, on a fake clock.</summary>
public sealed class PollingTests : IAsyncLifetime
{
    private readonly TempDir dir = new();
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private TestServer server = null!;

    public async Task InitializeAsync() => server = await TestServer.StartAsync();

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        dir.Dispose();
    }

    private static string Rss(params string[] items) =>
        $"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{string.Concat(items)}</channel></rss>""";

    private PipelineHost Host(params FeedConfig[] feeds) => PipelineHost.Create(dir, Configs.With(feeds), time: time);

    private PipelineHost Host(IDictionary<string, string?> settings, params FeedConfig[] feeds) => PipelineHost.Create(dir, Configs.With(feeds), settings, time);

    private FeedConfig Feed(string id, string path) => Configs.Feed(id, server.Url(path));

    [Fact]
    public async Task Identity_PublisherRotatesEveryGuid_ThreePollsAlertOncePerRealItem()
    {
        var poll = 0;
        server.Map("/rotating", async context =>
        {
            var n = Interlocked.Increment(ref poll);
            await context.Response.WriteAsync(Rss(
                $"<item><title>Rapidus starts 2nm pilot line</title><guid>urn:uuid:{Guid.NewGuid()}</guid><link>https://r.example.com/a?session={n}</link><description>Hokkaido fab.</description></item>",
                $"<item><title>Micron expands Hiroshima</title><guid isPermaLink=\"false\">{n}-b</guid><description>HBM.</description></item>"));
        });
        using var host = Host(Feed("rotating", "/rotating"));

        var alerts = 0;
        for (var i = 0; i < 3; i++)
        {
            alerts += (await host.Pipeline.RunCycleAsync(allFeeds: true, default)).AlertsCreated;
            time.Advance(TimeSpan.FromMinutes(15));
        }

        Assert.Equal(3, poll);
        Assert.Equal(2, alerts);
    }

    [Fact]
    public async Task Identity_NoGuidOrLink_DuplicateGuids_WhitespaceGuids_EachRealItemAlertsOnce()
    {
        var poll = 0;
        server.Map("/sloppy-ids", async context =>
        {
            // The second poll pads the guid with whitespace; two different items share guid "7" every time.
            var pad = Interlocked.Increment(ref poll) == 1 ? "" : "\n   ";
            await context.Response.WriteAsync(Rss(
                "<item><title>Rapidus and IBM, no guid, no link</title><description>Text only.</description></item>",
                $"<item><title>Micron first</title><guid>{pad}7{pad}</guid></item>",
                $"<item><title>Micron second</title><guid>{pad}7{pad}</guid></item>",
                $"<item><title>Quantum computing advance</title><guid>{pad}q-1{pad}</guid></item>"));
        });
        using var host = Host(Feed("sloppy-ids", "/sloppy-ids"));

        var first = await host.Pipeline.RunCycleAsync(allFeeds: true, default);
        time.Advance(TimeSpan.FromMinutes(15));
        var second = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal((4, 4), (first.NewItems, first.AlertsCreated));
        Assert.Equal((0, 0), (second.NewItems, second.AlertsCreated));
    }

    [Fact]
    public async Task Redirect_301UpdatesTheStoredUrl_302DoesNot()
    {
        var feed = Rss("<item><title>Rapidus</title><guid>g1</guid></item>");
        server.Map("/moved", context => Redirect(context, 301, "/new-home"))
            .Map("/temporary", context => Redirect(context, 302, "/today"))
            .MapText("/new-home", feed)
            .MapText("/today", feed);
        using var host = Host(Feed("moved", "/moved"), Feed("temporary", "/temporary"));

        await host.Pipeline.RunCycleAsync(allFeeds: true, default);
        await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal((1, 2), (server.CountRequests("/moved"), server.CountRequests("/new-home")));
        Assert.Equal((2, 2), (server.CountRequests("/temporary"), server.CountRequests("/today")));
        var states = await host.Store.GetFeedStatesAsync(default);
        Assert.Equal(server.Url("/new-home").AbsoluteUri, states["moved"].MovedTo);
        Assert.Null(states["temporary"].MovedTo);
        Assert.Contains(host.Logs.Lines, l => l.Contains($"Feed moved moved permanently to {server.Url("/new-home")}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Redirect_RelativeLinks_ResolveAgainstWhereTheFeedWasServed_NotTheUrlFirstAsked()
    {
        server.Map("/old/feed", context => Redirect(context, 302, "/new/section/feed"))
            .MapText("/new/section/feed", Rss("<item><title>Rapidus</title><link>story/1</link></item>"));
        using var host = Host(Feed("moving", "/old/feed"));

        await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        var alert = Assert.Single(await host.Outbox.ListAsync(null, 10, default)).Alert;
        Assert.Equal(server.Url("/new/section/story/1").AbsoluteUri, alert.Item.Link);
    }

    [Theory]
    [InlineData(5, null)]
    [InlineData(6, "too-many-redirects")]
    public async Task Redirect_ChainLongerThanFive_Fails(int hops, string? code)
    {
        for (var i = 0; i < hops; i++)
        {
            var next = i + 1 == hops ? "/end" : $"/hop{i + 1}";
            server.Map($"/hop{i}", context => Redirect(context, 302, next));
        }

        server.MapText("/end", Rss("<item><title>t</title><guid>1</guid></item>"));
        using var host = Host(Feed("chain", "/hop0"));

        var summary = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal(code, summary.Failures.SingleOrDefault()?.Code);
    }

    [Fact]
    public async Task Status_410_DisablesTheFeedAndSaysSo()
    {
        server.MapText("/gone", "", status: 410);
        using var host = Host(Feed("gone", "/gone"));

        var first = await host.Pipeline.RunCycleAsync(allFeeds: false, default);
        time.Advance(TimeSpan.FromDays(30));
        var later = await host.Pipeline.RunCycleAsync(allFeeds: false, default);

        Assert.Equal("gone", first.Failures.Single().Code);
        Assert.Contains("It is no longer polled; give it a new url or remove it", first.Failures.Single().Message, StringComparison.Ordinal);
        Assert.Equal(0, later.FeedsPolled);
        Assert.Equal(1, server.CountRequests("/gone"));
    }

    [Theory]
    [InlineData("120")]
    [InlineData("date")]
    public async Task Status_429RetryAfter_DefersThatFeedNotItsHost(string retryAfter)
    {
        server.Map("/busy", context =>
        {
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = retryAfter == "date" ? time.GetUtcNow().AddSeconds(120).ToString("R") : retryAfter;
            return Task.CompletedTask;
        }).MapText("/calm", Rss("<item><title>t</title><guid>1</guid></item>"));
        using var host = Host(new Dictionary<string, string?> { ["ChipAlerts:Fetch:FailureBackoff"] = "00:00:10" }, Feed("busy", "/busy"), Feed("calm", "/calm"));

        await host.Pipeline.RunCycleAsync(allFeeds: false, default);
        time.Advance(TimeSpan.FromSeconds(60));
        await host.Pipeline.RunCycleAsync(allFeeds: false, default);
        time.Advance(TimeSpan.FromSeconds(61));
        await host.Pipeline.RunCycleAsync(allFeeds: false, default);

        Assert.Equal(2, server.CountRequests("/busy"));
        Assert.Equal(3, server.CountRequests("/calm"));
    }

    [Fact]
    public async Task PollingEveryFeed_AsOnceDoes_StillKeeps410GoneAndRetryAfter_AndSaysWhy()
    {
        server.MapText("/gone", "", status: 410).Map("/busy", context =>
        {
            context.Response.StatusCode = 503;
            context.Response.Headers.RetryAfter = "3600";
            return Task.CompletedTask;
        }).MapText("/calm", Rss("<item><title>t</title><guid>1</guid></item>"));
        using var host = Host(Feed("gone", "/gone"), Feed("busy", "/busy"), Feed("calm", "/calm"));

        await host.Pipeline.RunCycleAsync(allFeeds: true, default);
        time.Advance(TimeSpan.FromMinutes(5)); // cron runs `once` again
        var again = await host.Pipeline.RunCycleAsync(allFeeds: true, default);
        time.Advance(TimeSpan.FromMinutes(56)); // the hour asked for has passed
        var later = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal((1, 2, 3), (server.CountRequests("/gone"), server.CountRequests("/busy"), server.CountRequests("/calm")));
        Assert.Equal(1, again.FeedsPolled);
        Assert.Equal(
            ["busy: the server asked to wait (Retry-After) until 2026-01-01 13:00:00Z, 55 min from now", $"gone: gone: it answered 410 Gone at {server.Url("/gone")}; give the feed a new url, or remove it"],
            again.Skipped.Select(s => $"{s.FeedId}: {s.Reason}").Order());
        Assert.Equal(["gone"], later.Skipped.Select(s => s.FeedId));
    }

    [Theory]
    [InlineData(null, 1000, 500)] // the default cap: said, not silent
    [InlineData("2000", 1500, 0)]
    public async Task AFeedOfMoreItemsThanTheCap_IsReadUpToIt_AndTheRestIsReported(string? cap, int read, int past)
    {
        server.MapText("/big", Rss([.. Enumerable.Range(0, 1500).Select(i => $"<item><title>Item {i}</title><guid>g{i}</guid></item>")]));
        using var host = Host(cap is null ? new Dictionary<string, string?>() : new Dictionary<string, string?> { ["ChipAlerts:Fetch:MaxItems"] = cap }, Feed("big", "/big"));

        var cycle = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal((read, past), (cycle.NewItems, cycle.ItemsPastCap));
        Assert.Equal(past > 0, host.Logs.Lines.Any(l => l.Contains("Feed big lists 1500 items; the first 1000 were read (ChipAlerts:Fetch:MaxItems) and 500 were not.", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Fetch_NotModified_CostsNothingAndKeepsValidators()
    {
        server.MapFeed("/etag", Rss("<item><title>t</title><guid>1</guid></item>"));
        using var host = Host(Feed("etag", "/etag"));

        await host.Pipeline.RunCycleAsync(allFeeds: true, default);
        var second = await host.Pipeline.RunCycleAsync(allFeeds: true, default);
        var third = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal((1, 1), (second.FeedsNotModified, third.FeedsNotModified));
        Assert.Equal("\"v1\"", (await host.Store.GetFeedStatesAsync(default))["etag"].ETag);
        Assert.Equal("\"v1\"", server.Requests.Last().Headers["If-None-Match"]);
    }

    [Fact]
    public async Task Interval_TtlAndMaxAge_AreFloors()
    {
        server.MapText("/ttl", """<rss version="2.0"><channel><title>t</title><ttl>60</ttl><item><title>a</title><guid>1</guid></item></channel></rss>""")
            .Map("/max-age", async context =>
            {
                context.Response.Headers.CacheControl = "public, max-age=7200";
                await context.Response.WriteAsync(Rss("<item><title>a</title><guid>2</guid></item>"));
            });
        using var host = Host(Feed("ttl", "/ttl"), Feed("max-age", "/max-age"));

        await host.Pipeline.RunCycleAsync(allFeeds: false, default);

        var states = await host.Store.GetFeedStatesAsync(default);
        Assert.Equal(time.GetUtcNow().AddMinutes(60), states["ttl"].NextPollAt);
        Assert.Equal(time.GetUtcNow().AddHours(2), states["max-age"].NextPollAt);
        time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(0, (await host.Pipeline.RunCycleAsync(allFeeds: false, default)).FeedsPolled);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, (await host.Pipeline.RunCycleAsync(allFeeds: false, default)).FeedsPolled);
    }

    [Fact]
    public async Task Interval_AdaptsToThePublishingRateWithinBounds()
    {
        static string Dated(int hoursApart) => Rss([.. Enumerable.Range(0, 5).Select(i =>
            $"<item><title>item {i}</title><guid>{hoursApart}-{i}</guid><pubDate>{new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddHours(-i * hoursApart):R}</pubDate></item>")]);
        server.MapText("/hourly", Dated(1)).MapText("/daily", Dated(24)).MapText("/burst", Dated(0));
        using var host = Host(Feed("hourly", "/hourly"), Feed("daily", "/daily"), Feed("burst", "/burst"));

        await host.Pipeline.RunCycleAsync(allFeeds: false, default);

        var states = await host.Store.GetFeedStatesAsync(default);
        var now = time.GetUtcNow();
        Assert.Equal(now.AddMinutes(30), states["hourly"].NextPollAt); // half the gap
        Assert.Equal(now.AddHours(1), states["daily"].NextPollAt);     // AdaptiveMaxInterval
        Assert.Equal(now, states["burst"].NextPollAt);                 // AdaptiveMinInterval: every cycle
        Assert.Equal(24.0, states["hourly"].ItemsPerDay);
    }

    [Fact]
    public async Task Cycle_ManyFeedsOnOneHost_AtMostMaxPerHostAtOnce()
    {
        var inFlight = 0;
        var most = 0;
        server.Map("/slowish", async context =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref most, now);
            await Task.Delay(200);
            Interlocked.Decrement(ref inFlight);
            await context.Response.WriteAsync(Rss());
        });
        using var host = Host([.. Enumerable.Range(0, 6).Select(i => Configs.Feed($"f{i}", new Uri(server.Url("/slowish") + $"?f={i}")))]);

        await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal(6, server.CountRequests("/slowish"));
        Assert.Equal(2, most); // MaxPerHost; MaxConcurrency (8) alone would have allowed 6
    }

    [Fact]
    public async Task FeedsPolledOneByOne_AsTheFunctionsAppFansThemOut_AtMostMaxPerHostAtOnce_ToOneHost()
    {
        var inFlight = 0;
        var most = 0;
        server.Map("/slowish", async context =>
        {
            InterlockedMax(ref most, Interlocked.Increment(ref inFlight));
            await Task.Delay(200);
            Interlocked.Decrement(ref inFlight);
            await context.Response.WriteAsync(Rss());
        });
        using var host = Host([.. Enumerable.Range(0, 6).Select(i => Configs.Feed($"f{i}", new Uri(server.Url("/slowish") + $"?f={i}")))]);

        // Each feed its own call, all at once: what the queue trigger's concurrent messages do.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => host.Pipeline.PollFeedAsync($"f{i}", null, default))));

        Assert.All(outcomes, o => Assert.False(o!.Failed));
        Assert.Equal(6, server.CountRequests("/slowish"));
        Assert.InRange(most, 1, 2); // MaxPerHost, across callers
    }

    [Fact]
    public async Task AFeedWaitingForItsHostsSlot_DoesNotSpendItsTimeoutWaiting()
    {
        var held = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var requests = 0;
        server.Map("/held", async context =>
        {
            if (Interlocked.Increment(ref requests) == 1)
            {
                held.TrySetResult();
                await release.Task;
            }

            await context.Response.WriteAsync(Rss());
        });
        using var host = Host(new Dictionary<string, string?> { ["ChipAlerts:Fetch:MaxPerHost"] = "1" },
            Configs.Feed("slow", new Uri(server.Url("/held") + "?f=slow")), Configs.Feed("next", new Uri(server.Url("/held") + "?f=next")));
        var slots = host.Get<FeedFetcher>().Hosts;

        var slow = Task.Run(() => host.Pipeline.PollFeedAsync("slow", null, default));
        await held.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var next = Task.Run(() => host.Pipeline.PollFeedAsync("next", null, default));
        for (var i = 0; i < 3000 && Queued(slots, server.Url("/").IdnHost) < 1; i++)
        {
            await Task.Delay(10); // until the second feed waits for the host's one slot
        }

        Assert.Equal(1, Queued(slots, server.Url("/").IdnHost));

        time.Advance(TimeSpan.FromSeconds(21)); // past the 20 s Timeout of the request in flight
        release.SetResult();

        Assert.Equal("timeout", (await slow.WaitAsync(TimeSpan.FromSeconds(30)))!.ErrorCode);
        Assert.False((await next.WaitAsync(TimeSpan.FromSeconds(30)))!.Failed); // its own time began when its request went
    }

    [Fact]
    public async Task HostLimit_OneHostWhateverItsCase_AndAWaitGivenUpHoldsNothing()
    {
        using var host = Host(new Dictionary<string, string?> { ["ChipAlerts:Fetch:MaxPerHost"] = "1" });
        var slots = host.Get<FeedFetcher>().Hosts;
        var first = await slots.AcquireAsync("Example.COM", 1);
        using var other = await slots.AcquireAsync("other.example", 1);
        using var giveUp = new CancellationTokenSource();
        var waiting = slots.AcquireAsync("example.com", 1, giveUp.Token).AsTask(); // the same host, any case: it waits

        Assert.True(first.IsAcquired && other.IsAcquired);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, Queued(slots, "example.com"));
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        first.Dispose();
        using var again = await slots.AcquireAsync("example.com", 1).AsTask().WaitAsync(TimeSpan.FromSeconds(30)); // free again
        Assert.True(again.IsAcquired);
    }

    private static long Queued(System.Threading.RateLimiting.PartitionedRateLimiter<string> slots, string host) =>
        slots.GetStatistics(host)?.CurrentQueuedCount ?? 0;

    [Fact]
    public async Task Parse_UnreadableDate_FallsBackToFirstSeenAndSaysSo()
    {
        server.MapText("/dates", Rss(
            "<item><title>Rapidus undated</title><guid>1</guid><pubDate>the day after tomorrow</pubDate></item>",
            "<item><title>Micron dated</title><guid>2</guid><pubDate>Tue, 26 May 2026 09:00:00 JST</pubDate></item>"));
        using var host = Host(Feed("dates", "/dates"));

        await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        var items = await host.Store.GetRecentAsync(time.GetUtcNow().AddDays(-1), 10, default);
        Assert.Equal(time.GetUtcNow(), items.Single(i => i.Title == "Rapidus undated").Published);
        Assert.Equal(new DateTimeOffset(2026, 5, 26, 0, 0, 0, TimeSpan.Zero), items.Single(i => i.Title == "Micron dated").Published);
        Assert.Contains(host.Logs.Lines, l => l.Contains("Feed dates: 1 item(s) have dates that cannot be read (such as 'the day after tomorrow'); they are dated when first seen instead.", StringComparison.Ordinal));
    }

    private static Task Redirect(HttpContext context, int status, string location)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.Location = location;
        return Task.CompletedTask;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
