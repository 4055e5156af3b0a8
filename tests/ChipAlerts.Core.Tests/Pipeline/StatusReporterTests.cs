using ChipAlerts.Core.Pipeline;
using ChipAlerts.Core.State;
using ChipAlerts.Core.Tests.Support;
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
        await host.Pipeline.PollFeedAsync("good", default);
        await host.Pipeline.PollFeedAsync("down", default);

        var report = await host.Get<StatusReporter>().GetAsync(default);

        Assert.True(report.StoreReachable);
        Assert.Equal(
        [
            new FeedHealth("good", "ok", time.GetUtcNow(), time.GetUtcNow(), time.GetUtcNow(), null, null, 0),
            new FeedHealth("down", "failing", time.GetUtcNow(), null, time.GetUtcNow().AddMinutes(5), "http-503", "the server answered 503 Service Unavailable.", 1),
            new FeedHealth("new", "never polled", null, null, null, null, null, 0),
        ], report.Feeds);
        Assert.Equal(new OutboxCounts(1, 0, 0), report.Alerts);
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
