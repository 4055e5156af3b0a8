using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.Pipeline;
using ChipAlerts.Core.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace ChipAlerts.Core.Tests.Pipeline;

public sealed class StatusReporterTests : IAsyncLifetime
{
    private readonly TempDir dir = new();
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private TestServer feeds = null!;

    public async Task InitializeAsync()
    {
        feeds = await TestServer.StartAsync();
        feeds.MapText("/good", """<rss version="2.0"><channel><title>t</title><item><title>Rapidus</title><guid>s-1</guid></item></channel></rss>""");
        feeds.Map("/down", context =>
        {
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        });
    }

    public async Task DisposeAsync()
    {
        await feeds.DisposeAsync();
        dir.Dispose();
    }

    [Fact]
    public async Task Report_SaysEachFeedsStatusAndTheOutboxCounts()
    {
        using var host = PipelineHost.Create(
            dir,
            Configs.With([Configs.Feed("good", feeds.Url("/good")), Configs.Feed("down", feeds.Url("/down")), Configs.Feed("new", feeds.Url("/new"))]),
            time: time);
        await host.Pipeline.PollFeedAsync("good", planned: null, default);
        await host.Pipeline.PollFeedAsync("down", planned: null, default);

        var report = await host.Get<StatusReporter>().GetAsync(default);

        Assert.True(report.StoreReachable);
        var now = time.GetUtcNow();
        Assert.Equal(
        [
            new FeedHealth { FeedId = "good", Name = "good", Url = feeds.Url("/good").ToString(), Status = "ok", LastPolledAt = now, LastSuccessAt = now, NextPollAt = now, ItemsSeen = 1, LastPublishedAt = now },
            new FeedHealth { FeedId = "down", Name = "down", Url = feeds.Url("/down").ToString(), Status = "failing", LastPolledAt = now, NextPollAt = now.AddMinutes(5), LastErrorCode = "http-503", LastError = "the server answered 503 Service Unavailable.", ConsecutiveFailures = 1 },
            new FeedHealth { FeedId = "new", Name = "new", Url = feeds.Url("/new").ToString(), Status = "never polled" },
        ], report.Feeds);
        Assert.Equal(new OutboxCounts(1, 0, 0), report.Alerts);
    }

    [Fact]
    public async Task Report_FeedSilentForLongerThanItsRhythm_IsStale()
    {
        feeds.MapText("/hourly", """
            <rss version="2.0"><channel><title>t</title>
              <item><title>a</title><guid>h-1</guid><pubDate>Thu, 01 Jan 2026 11:00:00 GMT</pubDate></item>
              <item><title>b</title><guid>h-2</guid><pubDate>Thu, 01 Jan 2026 10:00:00 GMT</pubDate></item>
            </channel></rss>
            """);
        using var host = PipelineHost.Create(dir, Configs.With([Configs.Feed("hourly", feeds.Url("/hourly"))]), time: time);
        await host.Pipeline.PollFeedAsync("hourly", planned: null, default);

        var fresh = (await host.Get<StatusReporter>().GetAsync(default)).Feeds.Single();
        time.Advance(TimeSpan.FromHours(23)); // last item 24 h ago: a day, the least expected silence
        var quiet = (await host.Get<StatusReporter>().GetAsync(default)).Feeds.Single();
        time.Advance(TimeSpan.FromMinutes(1));
        var stale = (await host.Get<StatusReporter>().GetAsync(default)).Feeds.Single();

        Assert.Equal(("ok", 24.0), (fresh.Status, fresh.ItemsPerDay));
        Assert.Equal("ok", quiet.Status);
        Assert.Equal(("stale", true), (stale.Status, stale.Stale));
    }

    [Fact]
    public async Task Operator_FeedFailsThreeTimes_IsToldOnceAndAgainWhenItRecovers()
    {
        var requests = 0;
        feeds.Map("/flaky", async context =>
        {
            if (Interlocked.Increment(ref requests) <= 4)
            {
                context.Response.StatusCode = 503;
                return;
            }

            await context.Response.WriteAsync("""<rss version="2.0"><channel><title>t</title></channel></rss>""");
        });
        await using var smtp = await SmtpSink.StartAsync();
        var config = Configs.With([Configs.Feed("flaky", feeds.Url("/flaky"))], smtp.Port) with
        {
            Operator = new OperatorConfig { Channels = [new ChannelConfig { Type = "email", To = "ops@example.com" }], FailuresBeforeAlert = 3 },
        };
        using var host = PipelineHost.Create(dir, config, time: time);

        var sent = new List<int>();
        for (var cycle = 0; cycle < 6; cycle++)
        {
            await host.Pipeline.RunCycleAsync(allFeeds: true, default);
            sent.Add(smtp.Messages.Count);
        }

        Assert.Equal([0, 0, 1, 1, 2, 2], sent); // told at the third failure, not at the fourth; told at the recovery
        Assert.Equal(
            ["[ChipAlerts] Feed health: Feed 'flaky' is failing: http-503", "[ChipAlerts] Feed health: Feed 'flaky' has recovered"],
            smtp.Messages.Select(m => m.Subject));
        Assert.All(smtp.Messages, m => Assert.Equal("ops@example.com", m.To.Mailboxes.Single().Address));
        Assert.Contains("3 failures in a row, the last http-503", smtp.Messages.First().TextBody, StringComparison.Ordinal);
        Assert.Contains("the server answered 503 Service Unavailable. It has failed 3 times in a row and has never been read.", smtp.Messages.First().TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_UnreachableStore_IsReportedNotThrown()
    {
        using var host = PipelineHost.Create(dir, Configs.With([Configs.Feed("good", feeds.Url("/good"))]), time: time);
        _ = host.Store; // create the database, then break it underneath the store
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={dir.File("chipalerts.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DROP TABLE feeds";
            command.ExecuteNonQuery();
        }

        var report = await host.Get<StatusReporter>().GetAsync(default);

        Assert.False(report.StoreReachable);
        Assert.Equal("SqliteException: SQLite Error 1: 'no such table: feeds'.", report.StoreError);
        Assert.Empty(report.Feeds);
    }
}
