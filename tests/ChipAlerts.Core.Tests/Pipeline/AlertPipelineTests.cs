using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.Pipeline;
using ChipAlerts.Core.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace ChipAlerts.Core.Tests.Pipeline;

public sealed class AlertPipelineTests : IAsyncLifetime
{
    private const string GoodFeed = """
        <?xml version="1.0" encoding="utf-8"?>
        <rss version="2.0"><channel><title>Good</title>
          <item><title>Rapidus starts 2nm pilot line</title><link>https://good.example.com/1</link><guid>g-1</guid>
            <description>&lt;p&gt;Rapidus &amp;amp; IBM &lt;b&gt;ship&lt;/b&gt; first wafers.&lt;/p&gt;</description></item>
          <item><title>Micron (MU.O) beats estimates</title><link>https://good.example.com/2</link><guid>g-2</guid></item>
          <item><title>Football results</title><link>https://good.example.com/3</link><guid>g-3</guid></item>
        </channel></rss>
        """;

    private readonly TempDir dir = new();
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private TestServer feeds = null!;
    private SmtpSink smtp = null!;

    public async Task InitializeAsync()
    {
        feeds = await TestServer.StartAsync();
        smtp = await SmtpSink.StartAsync();
        feeds.MapFeed("/good", GoodFeed);
    }

    public async Task DisposeAsync()
    {
        await smtp.DisposeAsync();
        await feeds.DisposeAsync();
        dir.Dispose();
    }

    private PipelineHost Host(SmtpSink mail, params FeedConfig[] extra) => Host(mail, time, extra);

    private PipelineHost Host(SmtpSink mail, TimeProvider clock, params FeedConfig[] extra) =>
        PipelineHost.Create(dir, Configs.With([Configs.Feed("good", feeds.Url("/good")), .. extra], mail.Port), time: clock);

    [Fact]
    public async Task Cycle_SloppyFeed_IsMendedAlertsAndIsReported()
    {
        feeds.MapText("/sloppy", File.ReadAllText(TestPaths.Fixture("Feeds/bare-ampersand-and-html-entities.xml")));
        using var host = Host(smtp, Configs.Feed("sloppy", feeds.Url("/sloppy")));

        var summary = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Empty(summary.Failures);
        Assert.Equal([new FeedRepaired("sloppy", "3 bare '&', 3 undeclared entities")], summary.Repaired);
        Assert.Contains(smtp.Messages, m => m.Subject == "[ChipAlerts] Rapidus, Micron: AT&T and Micron sign memory deal");
        Assert.Contains(host.Logs.Lines, e => e.Contains("Feed sloppy is not well-formed XML; read after mending 3 bare '&', 3 undeclared entities.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cycle_AFeedsAlertsAreSentWhileASlowerFeedOfTheCycleIsStillFetched()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        feeds.Map("/slow", async context =>
        {
            await release.Task.WaitAsync(context.RequestAborted);
            context.Response.ContentType = "application/rss+xml";
            await context.Response.WriteAsync("<rss version=\"2.0\"><channel><title>Slow</title></channel></rss>", context.RequestAborted);
        });
        using var host = Host(smtp, Configs.Feed("slow", feeds.Url("/slow")));

        var cycle = host.Pipeline.RunCycleAsync(allFeeds: true, default);
        await smtp.WaitForMessagesAsync(2);
        var doneBeforeTheSlowFeed = cycle.IsCompleted;
        release.SetResult();
        var summary = await cycle;

        Assert.False(doneBeforeTheSlowFeed);
        Assert.Equal((2, 2, 0), (summary.FeedsPolled, summary.AlertsDelivered, summary.AlertsPending));
    }

    [Fact]
    public async Task Cycle_Twice_SecondIsNotModifiedAndSendsNothing()
    {
        using var host = Host(smtp);

        var first = await host.Pipeline.RunCycleAsync(allFeeds: true, default);
        var second = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal((3, 2, 2), (first.NewItems, first.AlertsCreated, first.AlertsDelivered));
        Assert.Equal((1, 0, 0, 0), (second.FeedsNotModified, second.NewItems, second.AlertsCreated, second.AlertsDelivered));
        Assert.Equal(2, smtp.Messages.Count);
        Assert.Equal(2, feeds.CountRequests("/good"));
    }

    [Fact]
    public async Task Cycle_ChangedFeedWithSameItems_FindsNothingNew()
    {
        feeds.MapText("/no-etag", GoodFeed);
        using var host = PipelineHost.Create(dir, Configs.With([Configs.Feed("no-etag", feeds.Url("/no-etag"))], smtp.Port), time: time);

        await host.Pipeline.RunCycleAsync(allFeeds: true, default);
        var second = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal((0, 0, 0), (second.FeedsNotModified, second.NewItems, second.AlertsCreated));
        Assert.Equal(2, smtp.Messages.Count);
    }

    [Fact]
    public async Task Cycle_DueOnly_SkipsAFailingFeedUntilItsBackoffEnds()
    {
        feeds.MapText("/broken", "not xml", status: 500);
        using var host = Host(smtp, Configs.Feed("broken", feeds.Url("/broken")) with { Interval = TimeSpan.FromMinutes(1) });

        await host.Pipeline.RunCycleAsync(allFeeds: false, default);
        time.Advance(TimeSpan.FromMinutes(2));
        var beforeBackoff = await host.Pipeline.RunCycleAsync(allFeeds: false, default);
        time.Advance(TimeSpan.FromMinutes(4));
        var afterBackoff = await host.Pipeline.RunCycleAsync(allFeeds: false, default);

        Assert.Equal(1, beforeBackoff.FeedsPolled); // only "good": "broken" waits 5 minutes after its failure
        Assert.Equal(2, afterBackoff.FeedsPolled);
        Assert.Equal(2, feeds.CountRequests("/broken"));
        Assert.Equal(2, (await host.Store.GetFeedStatesAsync(default))["broken"].ConsecutiveFailures);
    }

    [Fact]
    public async Task Restart_PendingAlertsFromADeadSmtpServer_AreDeliveredOnceByTheNextProcess()
    {
        var port = SmtpSink.FreePort();
        using (var first = PipelineHost.Create(dir, Configs.With([Configs.Feed("good", feeds.Url("/good"))], port), time: time))
        {
            var summary = await first.Pipeline.RunCycleAsync(allFeeds: true, default);
            Assert.Equal((2, 0, 2), (summary.AlertsCreated, summary.AlertsDelivered, summary.AlertsPending));
        }

        time.Advance(TimeSpan.FromMinutes(1));
        await using var upAgain = await SmtpSink.StartAsync(port);
        using (var second = PipelineHost.Create(dir, Configs.With([Configs.Feed("good", feeds.Url("/good"))], port), time: time))
        {
            var summary = await second.Pipeline.RunCycleAsync(allFeeds: true, default);
            Assert.Equal((0, 2, 0), (summary.AlertsCreated, summary.AlertsDelivered, summary.AlertsPending));
            await second.Pipeline.RunCycleAsync(allFeeds: true, default);
        }

        Assert.Equal(2, upAgain.Messages.Count);
        Assert.Equal(2, upAgain.Messages.Select(m => m.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task Restart_AfterCrashBetweenOutboxAndLedger_SendsEachAlertOnce()
    {
        using (var first = Host(smtp))
        {
            await first.Pipeline.RunCycleAsync(allFeeds: true, default);
        }

        // The alerts are stored (and here delivered), but the crash came before the items were marked
        // seen and before the validators were saved: the next poll sees every item as new again.
        ForgetLedgerAndValidators();

        using var second = Host(smtp);
        var summary = await second.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal(3, summary.NewItems);
        Assert.Equal(0, summary.AlertsCreated); // derived again with the same AlertIds, which the outbox already holds
        Assert.Equal(0, summary.AlertsDelivered);
        Assert.Equal(2, smtp.Messages.Count);
        Assert.Equal(new OutboxCounts(0, 2, 0), await second.Outbox.CountAsync(default));
    }

    [Theory]
    [InlineData("deleted data folder")]
    [InlineData("zero-byte database")]
    public async Task Cycle_OnAStoreThatLostItsState_SaysSoWithThePath_AndOnlyThen(string loss)
    {
        using (var first = Host(smtp))
        {
            Assert.NotNull((await first.Pipeline.RunCycleAsync(allFeeds: true, default)).StoreWarning); // new: said too
            Assert.Null((await first.Pipeline.RunCycleAsync(allFeeds: true, default)).StoreWarning);
        }

        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(dir.Path, "chipalerts.db*"))
        {
            File.Delete(file);
        }

        if (loss == "zero-byte database")
        {
            File.WriteAllBytes(dir.File("chipalerts.db"), []);
        }

        using var second = Host(smtp);
        var summary = await second.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal($"The store ({dir.File("chipalerts.db")}) holds no state: it is new, or its data was lost. Every item of the 1 feed(s) is taken as new.", summary.StoreWarning);
        Assert.Contains(second.Logs.Lines, l => l.Contains(summary.StoreWarning!, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cycle_TracesEachPoll_AndEachDeliveryLinksToThePollThatMadeItsAlert()
    {
        var polls = new System.Collections.Concurrent.ConcurrentBag<System.Diagnostics.Activity>();
        var deliveries = new System.Collections.Concurrent.ConcurrentBag<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == Observability.ChipAlertsMetrics.ActivitySourceName,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => (a.OperationName == "feed.poll" ? polls : deliveries).Add(a),
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        using var host = Host(smtp);

        await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        // Other tests run at the same time: keep this host's own (its alerts reached this test's SMTP server).
        var ids = smtp.Messages.Select(m => m.Headers["X-ChipAlerts-Alert-Id"]).ToHashSet();
        var mine = deliveries.Where(d => ids.Contains((string)d.GetTagItem("alert.id")!)).ToList();
        Assert.Equal(2, mine.Count);
        Assert.All(mine, d =>
        {
            var link = Assert.Single(d.Links);
            var poll = Assert.Single(polls, p => p.TraceId == link.Context.TraceId && p.SpanId == link.Context.SpanId);
            Assert.Equal(("good", 3), ((string?)poll.GetTagItem("feed.id"), (int?)poll.GetTagItem("items.new")));
            Assert.Equal("Delivered", d.GetTagItem("outcome"));
        });
    }

    private void ForgetLedgerAndValidators()
    {
        using var connection = new SqliteConnection($"Data Source={dir.File("chipalerts.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM items; DELETE FROM feeds;";
        command.ExecuteNonQuery();
    }
}
