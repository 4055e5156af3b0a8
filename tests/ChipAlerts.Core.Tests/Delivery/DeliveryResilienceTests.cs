using System.Diagnostics;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using SmtpServer.Protocol;
using Xunit.Abstractions;

namespace ChipAlerts.Core.Tests.Delivery;

/// <summary>Outages, order, circuit breaker, quick retries and rate limits, against real SMTP and HTTP servers.</summary>
public sealed class DeliveryResilienceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly FeedConfig[] Feeds = [Configs.Feed("f", new Uri("https://example.com/feed"))];

    private readonly TempDir dir = new();
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private TestServer receiver = null!;

    public async Task InitializeAsync() => receiver = await TestServer.StartAsync();

    public async Task DisposeAsync()
    {
        await receiver.DisposeAsync();
        dir.Dispose();
    }

    [Fact]
    public async Task SmtpDownForThreeCycles_ThenUp_EveryAlertDeliveredExactlyOnce_InOrderPerSubscriber()
    {
        var port = SmtpSink.FreePort(); // nothing listens there yet: the relay is down
        using var host = PipelineHost.Create(dir, Configs.With(Feeds, port), time: time);
        string[] recipients = ["ana@example.com", "ben@example.com", "cho@example.com"];
        var alerts = Enumerable.Range(0, 15)
            .Select(i => Alerts.Email($"item-{i}", recipients[i % 3], time.GetUtcNow().AddSeconds(i - 60)))
            .ToList();
        await host.Outbox.AddAsync(alerts, default);

        var summaries = new List<DeliverySummary>();
        for (var cycle = 0; cycle < 3; cycle++)
        {
            summaries.Add(await host.Outbox.DeliverDueAsync(default));
            time.Advance(TimeSpan.FromHours(1));
        }

        // Back up. The circuit lets one trial through first; what it held back goes out a pass later.
        await using var smtp = await SmtpSink.StartAsync(port);
        for (var cycle = 0; cycle < 3; cycle++)
        {
            summaries.Add(await host.Outbox.DeliverDueAsync(default));
            time.Advance(TimeSpan.FromMinutes(1));
        }

        var counts = await host.Outbox.CountAsync(default);
        var attempts = (await host.Outbox.ListAsync(AlertState.Delivered, 100, default)).Sum(e => e.Attempts);
        output.WriteLine($"cycles: {string.Join(" | ", summaries)}; outbox {counts}; attempts recorded {attempts}; messages {smtp.Messages.Count} in {smtp.Sessions} session(s)");

        Assert.All(summaries.Take(3), s => Assert.Equal(0, s.Delivered));
        Assert.Equal(15, summaries.Skip(3).Sum(s => s.Delivered));
        Assert.Equal(new(0, 0, 0), summaries[^1]);
        Assert.Equal(new OutboxCounts(0, 15, 0), counts);
        var ids = smtp.Messages.Select(m => m.MessageId).ToList();
        Assert.Equal(15, ids.Count);
        Assert.Equal(15, ids.Distinct().Count());
        foreach (var to in recipients)
        {
            var sent = smtp.Messages.Where(m => m.To.Mailboxes.Single().Address == to).Select(m => m.MessageId![..32]);
            var made = alerts.Where(a => a.Channel.Target == to).Select(a => a.AlertId);
            Assert.Equal(made, sent);
        }
    }

    [Fact]
    public async Task RetryableFailure_HoldsBackThatDestinationsLaterAlerts_NotOtherDestinations()
    {
        var failFirst = 1;
        receiver.Map("/a", context =>
        {
            context.Response.StatusCode = Interlocked.Exchange(ref failFirst, 0) == 1 ? 500 : 204;
            return Task.CompletedTask;
        });
        receiver.Map("/b", context =>
        {
            context.Response.StatusCode = 204;
            return Task.CompletedTask;
        });
        using var host = WebhookHost(new() { ["ChipAlerts:Delivery:QuickRetries"] = "0" }, ("a", "webhook"), ("b", "webhook"));
        var a = Enumerable.Range(0, 3).Select(i => Alerts.For(Alerts.Item($"a{i}"), new ChannelAddress("webhook", "Hooks:a"), time.GetUtcNow().AddSeconds(i - 60), "a")).ToList();
        var b = Enumerable.Range(0, 3).Select(i => Alerts.For(Alerts.Item($"b{i}"), new ChannelAddress("webhook", "Hooks:b"), time.GetUtcNow().AddSeconds(i - 60), "b")).ToList();
        await host.Outbox.AddAsync([.. a, .. b], default);

        var first = await host.Outbox.DeliverDueAsync(default);
        var afterFirst = receiver.Requests.Select(r => r.Headers["webhook-id"]).ToList();
        time.Advance(TimeSpan.FromMinutes(5));
        var second = await host.Outbox.DeliverDueAsync(default);

        Assert.Equal(new(3, 1, 0), first);
        Assert.Equal(a[0].AlertId, afterFirst.Single(id => a.Any(x => x.AlertId == id)));
        Assert.Equal(b.Select(x => x.AlertId), afterFirst.Where(id => b.Any(x => x.AlertId == id)));
        Assert.Equal(new(3, 0, 0), second);
        Assert.Equal(a.Select(x => x.AlertId), receiver.Requests.Where(r => r.Path == "/a").Select(r => r.Headers["webhook-id"]).Skip(1));
    }

    [Fact]
    public async Task RelayFailing_CircuitOpensAfterFiveFailures_RestAreDeferredWithoutAnAttempt_ThenAllGoOut()
    {
        await using var smtp = await SmtpSink.StartAsync();
        smtp.Reply = () => (SmtpReplyCode)451;
        using var host = PipelineHost.Create(dir, Configs.With(Feeds, smtp.Port), new Dictionary<string, string?> { ["ChipAlerts:Delivery:QuickRetries"] = "0" }, time);
        await host.Outbox.AddAsync([.. Enumerable.Range(0, 20).Select(i => Alerts.Email($"item-{i}", $"reader{i}@example.com", time.GetUtcNow()))], default);

        var down = await host.Outbox.DeliverDueAsync(default);
        var pending = await host.Outbox.ListAsync(AlertState.Pending, 100, default);

        // Five failures open it; sends already past it when it opened (up to Concurrency - 1) still go.
        Assert.InRange(smtp.Attempts, 5, 8);
        Assert.Equal(new(0, 20, 0), down);
        Assert.Equal(smtp.Attempts, pending.Count(e => e.Attempts == 1));
        Assert.All(pending.Where(e => e.Attempts == 0), e => Assert.StartsWith($"email smtp://127.0.0.1:{smtp.Port} failed repeatedly; its circuit is open", e.LastError, StringComparison.Ordinal));
        Assert.Contains(host.Logs.Lines, l => l.Contains($"Circuit of email smtp://127.0.0.1:{smtp.Port} opened", StringComparison.Ordinal));

        var sendsWhileDown = smtp.Attempts;
        smtp.Reply = () => null;
        var up = new List<DeliverySummary>();
        for (var pass = 0; pass < 3; pass++)
        {
            time.Advance(TimeSpan.FromMinutes(2)); // past the break and the first retry delay
            up.Add(await host.Outbox.DeliverDueAsync(default));
        }

        output.WriteLine($"down: {down} after {sendsWhileDown} sends; up: {string.Join(" | ", up)}");
        Assert.Equal(20, up.Sum(s => s.Delivered));
        Assert.Equal(20, smtp.Messages.Select(m => m.MessageId).Distinct().Count());
        Assert.Equal(20, smtp.Messages.Count);
        Assert.Contains(host.Logs.Lines, l => l.Contains("closed: it delivers again", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TooManyRequests_WithShortRetryAfter_IsRetriedInThePassAfterThatWait()
    {
        var calls = 0;
        receiver.Map("/a", context =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                context.Response.StatusCode = 429;
                context.Response.Headers.RetryAfter = "1";
            }
            else
            {
                context.Response.StatusCode = 204;
            }

            return Task.CompletedTask;
        });
        using var host = WebhookHost([], ("a", "webhook"));
        await host.Outbox.AddAsync([Alerts.For(Alerts.Item(), new ChannelAddress("webhook", "Hooks:a"), time.GetUtcNow(), "a")], default);

        var summary = await host.Outbox.DeliverDueAsync(default);

        Assert.Equal(new(1, 0, 0), summary);
        var requests = receiver.Requests.ToList();
        Assert.Equal(2, requests.Count);
        Assert.Equal(requests[0].Headers["webhook-id"], requests[1].Headers["webhook-id"]);
        Assert.True(Stopwatch.GetElapsedTime(requests[0].Timestamp, requests[1].Timestamp) >= TimeSpan.FromSeconds(0.9));
    }

    [Fact]
    public async Task ServiceUnavailable_WithLongRetryAfter_IsLeftToTheOutboxUntilThen()
    {
        receiver.Map("/a", context =>
        {
            context.Response.StatusCode = 503;
            context.Response.Headers.RetryAfter = "600";
            return Task.CompletedTask;
        });
        using var host = WebhookHost([], ("a", "webhook"));
        await host.Outbox.AddAsync([Alerts.For(Alerts.Item(), new ChannelAddress("webhook", "Hooks:a"), time.GetUtcNow(), "a")], default);

        var summary = await host.Outbox.DeliverDueAsync(default);

        Assert.Equal(new(0, 1, 0), summary);
        Assert.Single(receiver.Requests);
        var entry = Assert.Single(await host.Outbox.ListAsync(AlertState.Pending, 10, default));
        Assert.Equal(time.GetUtcNow().AddSeconds(600), entry.DueAt);
    }

    [Fact]
    public async Task SlackDestination_IsPacedByItsRateLimit()
    {
        foreach (var path in (string[])["/a", "/warm"])
        {
            receiver.Map(path, context =>
            {
                context.Response.StatusCode = 200;
                return Task.CompletedTask;
            });
        }

        using var host = WebhookHost(new() { ["ChipAlerts:Delivery:MessagesPerSecond:slack"] = "10" }, ("a", "slack"), ("warm", "webhook"));
        // One unlimited webhook first, so the connection and the server are warm and the receiver's clock
        // measures the pacing, not the first request's start-up.
        await host.Outbox.AddAsync([Alerts.For(Alerts.Item("w"), new ChannelAddress("webhook", "Hooks:warm"), time.GetUtcNow().AddSeconds(-120), "warm")], default);
        await host.Outbox.DeliverDueAsync(default);
        await host.Outbox.AddAsync([.. Enumerable.Range(0, 6).Select(i => Alerts.For(Alerts.Item($"i{i}"), new ChannelAddress("slack", "Hooks:a"), time.GetUtcNow().AddSeconds(i - 60), "a"))], default);

        var summary = await host.Outbox.DeliverDueAsync(default);

        Assert.Equal(new(6, 0, 0), summary);
        var stamps = receiver.Requests.Where(r => r.Path == "/a").Select(r => r.Timestamp).ToList();
        var gaps = stamps.Zip(stamps.Skip(1), (x, y) => Stopwatch.GetElapsedTime(x, y)).ToList();
        output.WriteLine($"gaps: {string.Join(", ", gaps.Select(g => $"{g.TotalMilliseconds:0} ms"))}");
        Assert.Equal(6, stamps.Count);
        // Ten a second: five gaps of about 100 ms (sends are spaced exactly; receipts may be a little late).
        Assert.True(Stopwatch.GetElapsedTime(stamps[0], stamps[^1]) >= TimeSpan.FromMilliseconds(400));
    }

    /// <summary>One subscriber per (id, type), each with a channel whose URL setting "Hooks:id" points at /id on the receiver.</summary>
    private PipelineHost WebhookHost(Dictionary<string, string?> settings, params (string Id, string Type)[] subscribers)
    {
        foreach (var (id, _) in subscribers)
        {
            settings[$"Hooks:{id}"] = receiver.Url("/" + id).ToString();
        }

        var configured = subscribers.Select(s => new SubscriberConfig
        {
            Id = s.Id,
            WatchLists = ["Rapidus"],
            Channels = [new ChannelConfig { Type = s.Type, UrlSetting = $"Hooks:{s.Id}" }],
        }).ToArray();
        return PipelineHost.Create(dir, Configs.With(Feeds, null, configured), settings, time);
    }
}
