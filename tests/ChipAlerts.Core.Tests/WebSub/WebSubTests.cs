using System.Diagnostics;
using ChipAlerts.Core.Pipeline;
using ChipAlerts.Core.Tests.Support;
using ChipAlerts.Core.WebSub;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace ChipAlerts.Core.Tests.WebSub;

/// <summary>
/// WebSub end to end against a real hub in its own process: a feed that announces the hub is subscribed to after its
/// poll, the hub verifies intent at our callback (a real Kestrel server handing the calls to <see cref="WebSubCallback"/>,
/// as both hosts do), pushes signed content that is emailed through a real SMTP server, and the feed is then polled only
/// as a safety net until the hub fails. The pipeline's clock is fake; the hub's is its own.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class WebSubTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDir dir = new();
    private readonly FakeTimeProvider time = new(Start);
    private readonly List<(string Title, string Id)> items = [("Football results", "old-1")];
    private WebSubHub hub = null!;
    private TestServer publisher = null!;
    private TestServer callbacks = null!;
    private SmtpSink smtp = null!;
    private PipelineHost? host;
    private bool announceHub = true;

    private Uri Topic => publisher.Url("/feed.xml");

    public async Task InitializeAsync()
    {
        smtp = await SmtpSink.StartAsync();
        publisher = await TestServer.StartAsync();
        callbacks = await TestServer.StartAsync();
        publisher.Map("/feed.xml", async context =>
        {
            context.Response.ContentType = "application/atom+xml; charset=utf-8";
            await context.Response.WriteAsync(Feed());
        });
        callbacks.MapPrefix("/websub/", async context =>
        {
            var callback = host!.Get<WebSubCallback>();
            var token = context.Request.Path.Value!.Split('/')[^1];
            var answer = HttpMethods.IsPost(context.Request.Method)
                ? await callback.ReceiveAsync(token, context.Request.Headers["X-Hub-Signature"].FirstOrDefault(), context.Request.ContentType, context.Request.Body, default)
                : await callback.VerifyAsync(token, key => context.Request.Query[key].FirstOrDefault(), default);
            context.Response.StatusCode = answer.Status;
            await context.Response.WriteAsync(answer.Body);
            await context.Response.CompleteAsync();
            await host.Outbox.DeliverLanesOfAsync(answer.AlertIds, default);
        });
    }

    public async Task DisposeAsync()
    {
        host?.Dispose();
        await (hub?.DisposeAsync() ?? ValueTask.CompletedTask);
        await callbacks.DisposeAsync();
        await publisher.DisposeAsync();
        await smtp.DisposeAsync();
        dir.Dispose();
    }

    private string Feed() => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title><id>urn:wire</id><updated>2026-01-01T12:00:00Z</updated>
          {(announceHub ? $"""<link rel="hub" href="{hub.Url}"/>""" : "")}<link rel="self" href="{Topic}"/>
          {string.Concat(items.Select(i => $"<entry><title>{i.Title}</title><id>urn:{i.Id}</id><link href=\"https://wire.example.com/{i.Id}\"/><updated>2026-01-01T11:00:00Z</updated></entry>"))}
        </feed>
        """;

    private async Task<PipelineHost> StartAsync(int maxLeaseSeconds = 864000, string? callbackUrl = null, bool withFeed = true)
    {
        hub ??= await WebSubHub.StartAsync(maxLeaseSeconds);
        host?.Dispose();
        var feed = Configs.Feed("wire", Topic) with { Interval = TimeSpan.FromMinutes(15) };
        host = PipelineHost.Create(dir, Configs.With(withFeed ? [feed] : [Configs.Feed("other", publisher.Url("/other.xml"))], smtp.Port), new Dictionary<string, string?>
        {
            ["ChipAlerts:WebSub:CallbackUrl"] = callbackUrl ?? callbacks.Url("/websub").AbsoluteUri,
        }, time);
        return host;
    }

    private async Task<PushSubscription?> SubscriptionAsync() => (await host!.Store.GetPushSubscriptionsAsync(default)).SingleOrDefault();

    /// <summary>The first poll discovers the hub; the pass after it subscribes; the hub's verification makes it active.</summary>
    private async Task<PushSubscription> SubscribedAsync(int verifications = 1)
    {
        await host!.Pipeline.RunCycleAsync(allFeeds: false, default);
        await host.Pipeline.MaintainPushAsync(default);
        await hub.WaitForAsync("verify", v => v.Count(e => e.GetProperty("confirmed").GetBoolean()) >= verifications);
        return (await SubscriptionAsync())!;
    }

    private async Task<bool> DueAsync()
    {
        var states = await host!.Store.GetFeedStatesAsync(default);
        return (await host.Pipeline.PlanAsync(default)).Count == 1 && states.ContainsKey("wire");
    }

    [Fact]
    public async Task PushedItem_IsEmailedAtOnce_AndThePushedFeedIsPolledOnlyAsASafetyNet()
    {
        await StartAsync();

        var subscription = await SubscribedAsync();

        Assert.Equal(PushState.Active, subscription.State);
        Assert.Equal(Start + TimeSpan.FromDays(10), subscription.LeaseUntil);
        var request = Assert.Single(await hub.EventsAsync("request"));
        Assert.Equal("subscribe", request.GetProperty("mode").GetString());
        Assert.Equal(Topic.AbsoluteUri, request.GetProperty("topic").GetString());
        Assert.Equal("864000", request.GetProperty("leaseSeconds").GetString());
        Assert.True(request.GetProperty("hasSecret").GetBoolean());
        Assert.EndsWith($"/websub/{subscription.Token}", request.GetProperty("callback").GetString(), StringComparison.Ordinal);
        Assert.Empty(smtp.Messages); // the football item is not news to anyone here
        var health = Assert.Single((await host!.Get<StatusReporter>().GetAsync(default)).Feeds);
        Assert.Equal((hub.Url.AbsoluteUri, "active", subscription.LeaseUntil, (string?)null), (health.Hub, health.Push, health.PushedUntil, health.PushError));

        items.Insert(0, ("Rapidus starts 2nm pilot line in Hokkaido", "new-1"));
        var clock = Stopwatch.StartNew();
        await hub.PublishAsync(Topic);
        await smtp.WaitForMessagesAsync(1);
        output.WriteLine($"publish to email accepted: {clock.Elapsed.TotalMilliseconds:0} ms");

        var mail = Assert.Single(smtp.Messages);
        Assert.Contains("Rapidus starts 2nm pilot line in Hokkaido", mail.Subject, StringComparison.Ordinal);
        Assert.Equal(1, (await SubscriptionAsync())!.Pushes);

        // Its own interval (15 min) has passed, but a hub pushes it: polled again only after the safety-net hour.
        time.Advance(TimeSpan.FromMinutes(20));
        Assert.False(await DueAsync());
        time.Advance(TimeSpan.FromMinutes(41));
        Assert.True(await DueAsync());

        // The poll after the push finds the item seen: no second email.
        await host!.Pipeline.RunCycleAsync(allFeeds: false, default);
        Assert.Single(smtp.Messages);
    }

    [Fact]
    public async Task Content_WithAWrongSignature_IsIgnored_AndAnUnknownCallbackIsToldGone()
    {
        await StartAsync();
        await SubscribedAsync();
        items.Insert(0, ("Rapidus starts 2nm pilot line in Hokkaido", "new-1"));

        await hub.PushWithBadSignatureAsync(Topic);
        var delivered = await hub.WaitForAsync("deliver", d => d.Count > 0);

        Assert.Equal(202, delivered[0].GetProperty("status").GetInt32()); // acknowledged (§7), and dropped
        Assert.Empty(smtp.Messages);
        Assert.Equal(0, (await SubscriptionAsync())!.Pushes);
        // Nothing of it was read: the same item, pushed with the right signature, is new.
        await hub.PublishAsync(Topic);
        await smtp.WaitForMessagesAsync(1);

        using var http = new HttpClient();
        var unknown = await http.PostAsync(callbacks.Url("/websub/not-a-token"), new StringContent(Feed()));
        Assert.Equal(410, (int)unknown.StatusCode);
        var wrongTopic = await http.GetAsync(callbacks.Url($"/websub/{(await SubscriptionAsync())!.Token}?hub.mode=subscribe&hub.topic=https%3A%2F%2Fother.example.com%2F&hub.challenge=x&hub.lease_seconds=60"));
        Assert.Equal(404, (int)wrongTopic.StatusCode);
    }

    [Fact]
    public async Task HubThatRefuses_LeavesTheFeedOnItsOwnInterval_AndIsAskedAgainAfterItsBackoff()
    {
        await StartAsync();
        await hub.FailSubscribeAsync(503);
        await host!.Pipeline.RunCycleAsync(allFeeds: false, default);

        var pass = await host.Pipeline.MaintainPushAsync(default);

        Assert.Equal(1, pass.Failed);
        var failed = (await SubscriptionAsync())!;
        Assert.Equal(PushState.Failed, failed.State);
        Assert.Equal("the hub answered 503 Service Unavailable to subscribe: hub failure injected by the test", failed.LastError);
        Assert.DoesNotContain(failed.Secret, failed.ToString(), StringComparison.Ordinal);
        var health = Assert.Single((await host.Get<StatusReporter>().GetAsync(default)).Feeds);
        Assert.Equal(("failed", failed.LastError), (health.Push, health.PushError));
        Assert.Contains(host.Logs.Lines, l => l.Contains("the WebSub hub", StringComparison.Ordinal) && l.Contains("The feed is polled meanwhile", StringComparison.Ordinal));

        // Within the backoff (5 min) the hub is not asked again.
        await hub.FailSubscribeAsync(null);
        time.Advance(TimeSpan.FromMinutes(4));
        await host.Pipeline.MaintainPushAsync(default);
        Assert.Single(await hub.EventsAsync("request"));

        // Polled on its own interval meanwhile; after the backoff the hub, working again, is asked and verifies.
        time.Advance(TimeSpan.FromMinutes(12));
        Assert.True(await DueAsync());
        await host.Pipeline.MaintainPushAsync(default);
        await hub.WaitForAsync("verify", v => v.Count == 1);
        Assert.Equal(PushState.Active, (await SubscriptionAsync())!.State);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(await DueAsync());
    }

    [Fact]
    public async Task Lease_IsRenewedBeforeItEnds_AndALapsedLeasePutsTheFeedBackOnPolling()
    {
        await StartAsync(maxLeaseSeconds: 7200); // the hub grants two hours, whatever is asked
        var first = await SubscribedAsync();
        Assert.Equal(Start + TimeSpan.FromHours(2), first.LeaseUntil);

        time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(0, (await host!.Pipeline.MaintainPushAsync(default)).Renewed);
        time.Advance(TimeSpan.FromMinutes(2)); // an hour before the end (ChipAlerts:WebSub:RenewBefore)
        Assert.Equal(1, (await host.Pipeline.MaintainPushAsync(default)).Renewed);
        await hub.WaitForAsync("verify", v => v.Count == 2);
        var renewed = (await SubscriptionAsync())!;
        Assert.Equal(Start + TimeSpan.FromMinutes(61) + TimeSpan.FromHours(2), renewed.LeaseUntil);
        Assert.Equal(first.Token, renewed.Token);

        // The hub forgets us and renewal is refused: when the lease runs out the feed is polled on its own interval.
        await hub.ExpireAsync();
        await hub.FailSubscribeAsync(500);
        time.Advance(TimeSpan.FromMinutes(61));
        await host.Pipeline.MaintainPushAsync(default);
        Assert.Equal(PushState.Active, (await SubscriptionAsync())!.State); // the lease still holds
        time.Advance(TimeSpan.FromHours(1));
        Assert.True(await DueAsync());
        await host.Pipeline.MaintainPushAsync(default);
        Assert.Equal(PushState.Failed, (await SubscriptionAsync())!.State);
    }

    [Fact]
    public async Task Verification_ThatNeverComes_CountsAsAFailure()
    {
        // The callback the hub is given answers nothing (no listener there).
        await StartAsync(callbackUrl: $"http://127.0.0.1:{SmtpSink.FreePort()}/websub");
        await host!.Pipeline.RunCycleAsync(allFeeds: false, default);
        await host.Pipeline.MaintainPushAsync(default);
        await hub.WaitForAsync("verify", v => v.Count == 1 && !v[0].GetProperty("confirmed").GetBoolean());
        Assert.Equal(PushState.Requested, (await SubscriptionAsync())!.State);

        time.Advance(TimeSpan.FromMinutes(5));
        await host.Pipeline.MaintainPushAsync(default);

        var failed = (await SubscriptionAsync())!;
        Assert.Equal(PushState.Failed, failed.State);
        Assert.StartsWith("the hub accepted the request but did not verify it within 00:05:00", failed.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Denial_IsRecorded_AndTheFeedIsPolled()
    {
        await StartAsync();
        await SubscribedAsync();

        await hub.DenyAsync(Topic, "topic not allowed");

        var denied = (await SubscriptionAsync())!;
        Assert.Equal(PushState.Denied, denied.State);
        Assert.Equal("the hub denied the subscription: topic not allowed", denied.LastError);
        time.Advance(TimeSpan.FromMinutes(16));
        Assert.True(await DueAsync());
    }

    [Fact]
    public async Task Feed_ThatStopsAnnouncingTheHub_OrIsRemoved_IsUnsubscribed()
    {
        await StartAsync();
        await SubscribedAsync();
        Assert.Single(await hub.SubscriptionsAsync());

        announceHub = false;
        time.Advance(TimeSpan.FromHours(2));
        await host!.Pipeline.RunCycleAsync(allFeeds: true, default);
        var pass = await host.Pipeline.MaintainPushAsync(default);

        Assert.Equal(1, pass.Unsubscribed);
        await hub.WaitForAsync("verify", v => v.Any(e => e.GetProperty("mode").GetString() == "unsubscribe" && e.GetProperty("confirmed").GetBoolean()));
        Assert.Empty(await hub.SubscriptionsAsync());
        Assert.Null(await SubscriptionAsync());

        // Announced again, then the feed is removed from the configuration: unsubscribed as well.
        announceHub = true;
        await host.Pipeline.RunCycleAsync(allFeeds: true, default);
        await host.Pipeline.MaintainPushAsync(default);
        await hub.WaitForAsync("verify", v => v.Count(e => e.GetProperty("mode").GetString() == "subscribe") == 2);
        await StartAsync(withFeed: false);
        Assert.Equal(1, (await host.Pipeline.MaintainPushAsync(default)).Unsubscribed);
        await hub.WaitForAsync("verify", v => v.Count(e => e.GetProperty("mode").GetString() == "unsubscribe") == 2);
        Assert.Empty(await hub.SubscriptionsAsync());
    }

    [Fact]
    public async Task Off_WithoutACallbackUrl_NothingIsAsked()
    {
        hub = await WebSubHub.StartAsync();
        host = PipelineHost.Create(dir, Configs.With([Configs.Feed("wire", Topic)], smtp.Port), time: time);

        await host.Pipeline.RunCycleAsync(allFeeds: false, default);
        var pass = await host.Pipeline.MaintainPushAsync(default);

        Assert.Equal(new WebSubPass(0, 0, 0, 0), pass);
        Assert.Empty(await hub.LogAsync());
        Assert.Equal(hub.Url.AbsoluteUri, (await host.Store.GetFeedStatesAsync(default))["wire"].Hub); // discovered all the same
    }
}
