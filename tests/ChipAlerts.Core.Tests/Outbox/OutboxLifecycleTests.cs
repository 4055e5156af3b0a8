using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmtpServer.Protocol;

namespace ChipAlerts.Core.Tests.Outbox;

/// <summary>
/// What the outbox promises, whatever store is under it: one suite, run on SQLite (here) and on Azure
/// Table Storage (Azurite, in ChipAlerts.Azure.Tests). The fast path (<see cref="AlertOutbox.DeliverLaneOfAsync"/>)
/// is what the Functions queue trigger calls; the due pass (<see cref="AlertOutbox.DeliverDueAsync"/>) is what
/// the local runner runs after each cycle and the Functions timer every minute.
/// </summary>
public abstract class OutboxLifecycleTests : IAsyncLifetime
{
    private readonly TempDir dir = new();
    private TestServer server = null!;
    private SmtpSink smtp = null!;

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    /// <summary>Registers the store under test (nothing: the SQLite default). Hosts made by one test share it.</summary>
    protected abstract void UseStore(IServiceCollection services);

    public async Task InitializeAsync()
    {
        server = await TestServer.StartAsync();
        smtp = await SmtpSink.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await smtp.DisposeAsync();
        await server.DisposeAsync();
        dir.Dispose();
    }

    private static SubscriberConfig Hooked(string id) => new()
    {
        Id = id,
        WatchLists = ["Rapidus"],
        Channels = [new ChannelConfig { Type = "webhook", UrlSetting = $"Hooks:{id}" }],
    };

    private static SubscriberConfig DigestReader { get; } = new()
    {
        Id = "weekly",
        WatchLists = ["Rapidus"],
        Channels = [new ChannelConfig { Type = "email", To = "weekly@example.com" }],
        DigestSchedule = "0 8 * * *",
    };

    private PipelineHost Host(IEnumerable<FeedConfig>? feeds = null, Dictionary<string, string?>? settings = null, params SubscriberConfig[] subscribers)
    {
        var values = new Dictionary<string, string?>
        {
            ["Hooks:a"] = server.Url("/a").ToString(),
            ["Hooks:b"] = server.Url("/b").ToString(),
            ["ChipAlerts:Delivery:QuickRetries"] = "0", // one send per attempt: the outbox's schedule alone
        };
        foreach (var (key, value) in settings ?? [])
        {
            values[key] = value;
        }

        var config = Configs.With(feeds ?? [Configs.Feed("wire", server.Url("/feed"))], smtp.Port, subscribers.Length > 0 ? subscribers : [Configs.Desk, Hooked("a"), Hooked("b"), DigestReader]);
        return PipelineHost.Create(dir, config, values, Time, UseStore);
    }

    private Alert Hook(string subscriber, string item, int second) =>
        Alerts.For(Alerts.Item(item), new ChannelAddress("webhook", $"Hooks:{subscriber}"), Time.GetUtcNow().AddSeconds(second), subscriber);

    /// <summary>A webhook endpoint that answers its first request 503 and every later one 200.</summary>
    private TestServer RefuseOnceThenAccept(string path)
    {
        var answers = 0;
        return server.Map(path, context =>
        {
            context.Response.StatusCode = Interlocked.Increment(ref answers) == 1 ? 503 : 200;
            return Task.CompletedTask;
        });
    }

    private IEnumerable<string> IdsReceived(string path) =>
        server.Requests.Where(r => r.Path == path).Select(r => r.Headers["webhook-id"]);

    [Fact]
    public async Task Lane_ARetryHoldsBackTheLaterAlertsOfItsDestinationOnly_ThenAllGoInOrder()
    {
        RefuseOnceThenAccept("/a").MapText("/b", "ok", "text/plain");
        using var host = Host();
        Alert a1 = Hook("a", "i1", -3), a2 = Hook("a", "i2", -2), a3 = Hook("a", "i3", -1), b1 = Hook("b", "i1", -3);
        await host.Outbox.AddAsync([a3, b1, a1, a2], default);

        var first = await host.Outbox.DeliverDueAsync(default);
        var again = await host.Outbox.DeliverDueAsync(default);
        Time.Advance(TimeSpan.FromSeconds(29));
        var early = await host.Outbox.DeliverLaneOfAsync(a2.AlertId, default);
        Time.Advance(TimeSpan.FromSeconds(1));
        var retried = await host.Outbox.DeliverLaneOfAsync(a3.AlertId, default);

        Assert.Equal((new DeliverySummary(1, 1, 0), DeliverySummary.None, DeliverySummary.None), (first, again, early));
        Assert.Equal(new DeliverySummary(3, 0, 0), retried);
        Assert.Equal([a1.AlertId, a1.AlertId, a2.AlertId, a3.AlertId], IdsReceived("/a"));
        Assert.Equal([b1.AlertId], IdsReceived("/b"));
    }

    [Fact]
    public async Task Lane_ASendThatOutlastsItsClaim_AndIsTakenOver_SendsNothingAfterIt_AndLeavesTheNextUntaken()
    {
        // The first request for the lane's first alert is held; the takeover's is refused (so it goes no further).
        var held = new TaskCompletionSource();
        var gate = new TaskCompletionSource();
        var requests = 0;
        server.Map("/a", async context =>
        {
            switch (Interlocked.Increment(ref requests))
            {
                case 1:
                    held.TrySetResult();
                    await gate.Task;
                    context.Response.StatusCode = 200;
                    break;
                case 2:
                    context.Response.StatusCode = 503;
                    break;
                default:
                    context.Response.StatusCode = 200;
                    break;
            }
        });
        var settings = new Dictionary<string, string?> { ["ChipAlerts:Delivery:ClaimTimeout"] = "00:01:00", ["ChipAlerts:Delivery:WebhookTimeout"] = "00:05:00" };
        using var host = Host(settings: settings);
        using var other = Host(settings: settings);
        Alert first = Hook("a", "i1", -2), second = Hook("a", "i2", -1);
        await host.Outbox.AddAsync([first, second], default);

        var pass = host.Outbox.DeliverLaneOfAsync(first.AlertId, default);
        await held.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Time.Advance(TimeSpan.FromMinutes(2)); // the claim has expired: another deliverer takes the alert over
        var takeover = await other.Outbox.DeliverLaneOfAsync(first.AlertId, default);
        gate.SetResult();
        var summary = await pass.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((DeliverySummary.None, new DeliverySummary(0, 1, 0)), (summary, takeover));
        Assert.Equal([first.AlertId, first.AlertId], IdsReceived("/a"));
        var taken = (await host.Outbox.GetAsync(first.AlertId, default))!;
        Assert.Equal((AlertState.Pending, 1), (taken.State, taken.Attempts)); // the takeover's verdict stands
        var next = (await host.Outbox.GetAsync(second.AlertId, default))!;
        Assert.Equal((AlertState.Pending, 0, (string?)null), (next.State, next.Attempts, next.LastError)); // not sent, and not left claimed
        Assert.True(next.DueAt <= Time.GetUtcNow());
    }

    [Fact]
    public async Task OneStoryToManySubscribers_HandedOutTogether_EachLaneGoesOnce_AndNoOtherLaneIsTaken()
    {
        // More lanes than the fast path reads one by one: it reads the active index once instead.
        var readers = Enumerable.Range(0, 80).Select(i => new SubscriberConfig { Id = $"r{i:00}", WatchLists = ["Rapidus"], Channels = [new ChannelConfig { Type = "email", To = $"r{i:00}@example.com" }] }).ToList();
        using var host = Host(subscribers: [.. readers, Configs.Desk, DigestReader]);
        var story = readers.Select(r => Alerts.For(Alerts.Item("story"), new ChannelAddress("email", r.Channels[0].To!), Time.GetUtcNow(), r.Id)).ToList();
        var elsewhere = Alerts.For(Alerts.Item("other"), new ChannelAddress("email", "desk@example.com"), Time.GetUtcNow(), "desk");
        var digest = Alerts.For(Alerts.Item("story"), new ChannelAddress("email", "weekly@example.com"), Time.GetUtcNow(), "weekly") with { Digest = true };
        await host.Outbox.AddAsync([.. story, elsewhere, digest], default);

        var sent = await host.Outbox.DeliverLanesOfAsync([.. story.Select(a => a.AlertId), digest.AlertId], default);

        Assert.Equal(new DeliverySummary(80, 0, 0), sent);
        Assert.Equal(readers.Select(r => r.Channels[0].To!).Order(), smtp.Messages.Select(m => m.To.Mailboxes.Single().Address).Order());
        Assert.Equal(2, await host.Outbox.CountActiveAsync(default)); // the desk's other alert and the held digest wait for their passes
    }

    [Fact]
    public async Task Lane_AnAlertStoredAfterAnotherOfItsDestinationWasTried_WaitsBehindIt_ThoughMadeEarlier()
    {
        // Feeds store while delivery runs: a feed whose poll began first can store its alert after another
        // feed's alert to the same destination was sent and refused.
        RefuseOnceThenAccept("/a");
        using var host = Host();
        Alert tried = Hook("a", "i1", 0), madeEarlier = Hook("a", "i2", -5);

        await host.Outbox.AddAsync([tried], default);
        var refused = await host.Outbox.DeliverLaneOfAsync(tried.AlertId, default);
        await host.Outbox.AddAsync([madeEarlier], default);
        var held = await host.Outbox.DeliverLaneOfAsync(madeEarlier.AlertId, default);
        Time.Advance(TimeSpan.FromSeconds(30));
        var retried = await host.Outbox.DeliverDueAsync(default);

        Assert.Equal((new DeliverySummary(0, 1, 0), DeliverySummary.None, new DeliverySummary(2, 0, 0)), (refused, held, retried));
        Assert.Equal([tried.AlertId, tried.AlertId, madeEarlier.AlertId], IdsReceived("/a"));
    }

    [Fact]
    public async Task ATallySharedByPasses_CountsEachAlertOnceByWhereItEnded()
    {
        RefuseOnceThenAccept("/a");
        using var host = Host();
        var alert = Hook("a", "i1", 0);
        await host.Outbox.AddAsync([alert], default);
        var tally = new DeliveryTally();

        var refused = await host.Outbox.DeliverLanesOfAsync([alert.AlertId], default, tally);
        Time.Advance(TimeSpan.FromSeconds(30));
        var both = await host.Outbox.DeliverDueAsync(default, tally);

        Assert.Equal((new DeliverySummary(0, 1, 0), new DeliverySummary(1, 0, 0)), (refused, both));
    }

    [Fact]
    public async Task Digest_ThroughTheFastPath_IsHeld_AndTheDuePassSendsItAtItsSchedule()
    {
        using var host = Host();
        var alert = Alerts.For(Alerts.Item(), new ChannelAddress("email", "weekly@example.com"), Time.GetUtcNow(), "weekly") with { Digest = true };
        await host.Outbox.AddAsync([alert], default);

        var queued = await host.Outbox.DeliverLaneOfAsync(alert.AlertId, default);
        var noon = await host.Outbox.DeliverDueAsync(default);
        Time.Advance(TimeSpan.FromHours(20) - TimeSpan.FromSeconds(1)); // 07:59:59 the next day
        var early = await host.Outbox.DeliverDueAsync(default);
        Time.Advance(TimeSpan.FromSeconds(1));
        var eight = await host.Outbox.DeliverDueAsync(default);

        Assert.Equal((DeliverySummary.None, DeliverySummary.None, DeliverySummary.None), (queued, noon, early));
        Assert.Equal(new DeliverySummary(1, 0, 0), eight);
        Assert.Equal("[ChipAlerts] Digest: 1 new items on Rapidus", Assert.Single(smtp.Messages).Subject);
    }

    [Fact]
    public async Task QuietHours_ThroughTheFastPath_AreHeld_UntilTheyEnd()
    {
        using var host = Host();
        var alert = Alerts.Email(createdAt: Time.GetUtcNow()) with { NotBefore = Time.GetUtcNow().AddHours(1) };
        await host.Outbox.AddAsync([alert], default);

        var night = await host.Outbox.DeliverLaneOfAsync(alert.AlertId, default);
        var sweep = await host.Outbox.DeliverDueAsync(default);
        Time.Advance(TimeSpan.FromHours(1));
        var morning = await host.Outbox.DeliverLaneOfAsync(alert.AlertId, default);

        Assert.Equal((DeliverySummary.None, DeliverySummary.None, new DeliverySummary(1, 0, 0)), (night, sweep, morning));
    }

    [Fact]
    public async Task StoredButNeverHandedOut_IsSentByTheDuePass_AndADuplicateHandOutSendsNothing()
    {
        using var host = Host();
        var alert = Alerts.Email(createdAt: Time.GetUtcNow());
        await host.Outbox.AddAsync([alert], default);

        var sweep = await host.Outbox.DeliverDueAsync(default);
        var duplicate = await host.Outbox.DeliverLaneOfAsync(alert.AlertId, default);

        Assert.Equal((new DeliverySummary(1, 0, 0), DeliverySummary.None), (sweep, duplicate));
        Assert.Single(smtp.Messages);
    }

    [Fact]
    public async Task SmtpOutageOfTenMinutes_DeadLettersNothing_ThenEachAlertGoesOutOnce()
    {
        using var host = Host(settings: new() { ["ChipAlerts:Delivery:QuickRetries"] = "2" }); // and the breaker, as shipped
        var alerts = Enumerable.Range(0, 6).Select(i => Alerts.Email($"item-{i}", $"reader{i % 3}@example.com", Time.GetUtcNow().AddSeconds(i))).ToList();
        await host.Outbox.AddAsync(alerts, default);
        smtp.Reply = () => (SmtpReplyCode)421;

        // Every 15 s the due pass runs, and every alert's queue message is redelivered (the host's retries).
        for (var t = 0; t < 40; t++)
        {
            await host.Outbox.DeliverDueAsync(default);
            foreach (var alert in alerts)
            {
                await host.Outbox.DeliverLaneOfAsync(alert.AlertId, default);
            }

            Time.Advance(TimeSpan.FromSeconds(15));
        }

        var afterOutage = await host.Outbox.CountAsync(default);
        smtp.Reply = () => null;
        for (var t = 0; t < 120 && (await host.Outbox.CountAsync(default)).Delivered < alerts.Count; t++)
        {
            await host.Outbox.DeliverDueAsync(default);
            Time.Advance(TimeSpan.FromSeconds(15));
        }

        Assert.Equal(new OutboxCounts(6, 0, 0, 0), afterOutage);
        Assert.Equal(new OutboxCounts(0, 6, 0, 0), await host.Outbox.CountAsync(default));
        Assert.Equal(alerts.Select(a => a.AlertId).Order(), smtp.Messages.Select(m => m.Headers["X-ChipAlerts-Alert-Id"]).Order());
    }

    [Fact]
    public async Task FailedDigest_WaitsOutItsBackoff_RatherThanEveryPass()
    {
        using var host = Host();
        var alert = Alerts.For(Alerts.Item(), new ChannelAddress("email", "weekly@example.com"), Time.GetUtcNow(), "weekly") with { Digest = true };
        await host.Outbox.AddAsync([alert], default);
        smtp.Reply = () => (SmtpReplyCode)451;
        Time.Advance(TimeSpan.FromHours(20)); // 08:00

        var failed = await host.Outbox.DeliverDueAsync(default);
        var next = await host.Outbox.DeliverDueAsync(default);
        Time.Advance(TimeSpan.FromSeconds(29));
        var early = await host.Outbox.DeliverDueAsync(default);
        var attemptsBefore = smtp.Attempts;
        smtp.Reply = () => null;
        Time.Advance(TimeSpan.FromSeconds(1));
        var retried = await host.Outbox.DeliverDueAsync(default);

        Assert.Equal((new DeliverySummary(0, 1, 0), DeliverySummary.None, DeliverySummary.None, 1), (failed, next, early, attemptsBefore));
        Assert.Equal(new DeliverySummary(1, 0, 0), retried);
        var entry = (await host.Outbox.GetAsync(alert.AlertId, default))!;
        Assert.Equal((AlertState.Delivered, 2), (entry.State, entry.Attempts));
    }

    [Fact]
    public async Task RetryableEveryTime_IsDeadLetteredAfterMaxAttempts_ThenReplayed()
    {
        using var host = Host(settings: new() { ["ChipAlerts:Delivery:MaxAttempts"] = "3", ["ChipAlerts:Delivery:BreakerFailures"] = "1000" });
        var alert = Alerts.Email(createdAt: Time.GetUtcNow());
        await host.Outbox.AddAsync([alert], default);
        smtp.Reply = () => (SmtpReplyCode)451;

        var summaries = new List<DeliverySummary>();
        for (var i = 0; i < 4; i++)
        {
            summaries.Add(await host.Outbox.DeliverDueAsync(default));
            Time.Advance(TimeSpan.FromHours(1));
        }

        smtp.Reply = () => null;
        var replayed = await host.Outbox.ReplayAsync(alert.AlertId, default);
        var sent = await host.Outbox.DeliverLaneOfAsync(alert.AlertId, default);

        Assert.Equal([new(0, 1, 0), new(0, 1, 0), new(0, 0, 1), DeliverySummary.None], summaries);
        Assert.True(replayed);
        Assert.Equal(new DeliverySummary(1, 0, 0), sent);
        Assert.False(await host.Outbox.ReplayAsync(alert.AlertId, default)); // delivered: nothing to replay
        Assert.Equal(new OutboxCounts(0, 1, 0, 0), await host.Outbox.CountAsync(default));
    }

    [Fact]
    public async Task Stop_LetsTheSendInFlightFinishAndRecordsIt_TakesNothingNew_AndLeavesNoClaim()
    {
        var arrived = new TaskCompletionSource();
        var gate = new TaskCompletionSource();
        server.Map("/a", async context =>
        {
            arrived.TrySetResult();
            await gate.Task;
            context.Response.StatusCode = 200;
        });
        using var host = Host();
        Alert first = Hook("a", "i1", -2), second = Hook("a", "i2", -1);
        await host.Outbox.AddAsync([first, second], default);
        using var stop = new CancellationTokenSource();

        var pass = host.Outbox.DeliverDueAsync(stop.Token);
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync(); // Ctrl+C while the receiver is answering
        gate.SetResult();
        var summary = await pass;

        Assert.Equal(new DeliverySummary(1, 0, 0), summary);
        Assert.Equal(AlertState.Delivered, (await host.Outbox.GetAsync(first.AlertId, default))!.State);
        var waiting = (await host.Outbox.GetAsync(second.AlertId, default))!;
        Assert.Equal((AlertState.Pending, 0), (waiting.State, waiting.Attempts)); // not taken, not claimed
        Assert.Equal(new DeliverySummary(1, 0, 0), await host.Outbox.DeliverDueAsync(default)); // the next start sends it at once
    }

    [Fact]
    public async Task Stop_ASendThatOutlastsTheShutdownTimeout_IsPutBackDueAtOnce_WithoutAnAttempt()
    {
        var arrived = new TaskCompletionSource();
        server.Map("/a", async context =>
        {
            arrived.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
        });
        using var host = Host(settings: new() { ["ChipAlerts:Delivery:ShutdownTimeout"] = "00:00:01", ["ChipAlerts:Delivery:WebhookTimeout"] = "00:01:00" });
        var alert = Hook("a", "i1", -1);
        await host.Outbox.AddAsync([alert], default);
        using var stop = new CancellationTokenSource();

        var pass = host.Outbox.DeliverDueAsync(stop.Token);
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        Time.Advance(TimeSpan.FromSeconds(1));
        var summary = await pass.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(DeliverySummary.None, summary);
        var entry = (await host.Outbox.GetAsync(alert.AlertId, default))!;
        Assert.Equal((AlertState.Pending, 0, "interrupted: the deliverer stopped during the send"), (entry.State, entry.Attempts, entry.LastError));
        Assert.True(entry.DueAt <= Time.GetUtcNow());
    }

    [Fact]
    public async Task TwoRunnersOnOneStore_FetchEachFeedOnce()
    {
        var feeds = Enumerable.Range(0, 12).Select(i =>
        {
            server.MapFeed($"/feed/{i}", $"<rss version=\"2.0\"><channel><title>F{i}</title><item><title>Rapidus news {i}</title><guid>g{i}</guid></item></channel></rss>");
            return Configs.Feed($"f{i}", server.Url($"/feed/{i}")) with { Interval = TimeSpan.FromMinutes(15) };
        }).ToList();
        using var one = Host(feeds, subscribers: Configs.Desk);
        using var two = Host(feeds, subscribers: Configs.Desk);

        var cycles = await Task.WhenAll(Task.Run(() => one.Pipeline.RunCycleAsync(allFeeds: false, default)), Task.Run(() => two.Pipeline.RunCycleAsync(allFeeds: false, default)));
        var again = await one.Pipeline.RunCycleAsync(allFeeds: false, default);

        // One line that says everything, so a failure shows which runner did what.
        var requests = string.Join(" ", feeds.Select(f => server.CountRequests(new Uri(f.Url).AbsolutePath)));
        var runners = string.Join("; ", cycles.Select(c => $"polled {c.FeedsPolled}, leased elsewhere {c.FeedsLeasedElsewhere}, created {c.AlertsCreated}, delivered {c.AlertsDelivered}, pending {c.AlertsPending}"));
        Assert.True(
            requests == string.Join(" ", feeds.Select(_ => 1)) && cycles.Sum(c => c.FeedsPolled) == 12 && cycles.Sum(c => c.AlertsCreated) == 12
                && again.FeedsPolled == 0 && smtp.Messages.Count == 12,
            $"requests per feed: {requests}; runners: {runners}; again: polled {again.FeedsPolled}, delivered {again.AlertsDelivered}; mails {smtp.Messages.Count} ({smtp.Messages.Select(m => m.MessageId).Distinct().Count()} distinct)");
    }

    [Fact]
    public async Task EmptyStoreWithFeedsConfigured_IsSaidInTheSummaryAndTheLog_OnceItHasStateNoMore()
    {
        server.MapFeed("/feed", "<rss version=\"2.0\"><channel><title>W</title><item><title>Other news</title><guid>g</guid></item></channel></rss>");
        using var host = Host([Configs.Feed("wire", server.Url("/feed"))]);

        var first = await host.Pipeline.RunCycleAsync(allFeeds: true, default);
        var second = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        var location = host.Get<Core.State.IFeedStateStore>().Location;
        Assert.Equal($"The store ({location}) holds no state: it is new, or its data was lost. Every item of the 1 feed(s) is taken as new.", first.StoreWarning);
        Assert.Contains(host.Logs.Lines, l => l.StartsWith("Warning: The store (", StringComparison.Ordinal) && l.Contains(location, StringComparison.Ordinal));
        Assert.Null(second.StoreWarning);
    }
}
