using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmtpServer.Protocol;

namespace ChipAlerts.Core.Tests.Outbox;

public sealed class AlertOutboxTests : IAsyncLifetime
{
    private readonly TempDir dir = new();
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private SmtpSink smtp = null!;
    private PipelineHost host = null!;

    public async Task InitializeAsync()
    {
        smtp = await SmtpSink.StartAsync();
        host = PipelineHost.Create(dir, Configs.With([Configs.Feed("f", new Uri("https://example.com/feed"))], smtp.Port), time: time);
    }

    public async Task DisposeAsync()
    {
        host.Dispose();
        await smtp.DisposeAsync();
        dir.Dispose();
    }

    [Fact]
    public async Task Deliver_Success_MarksDelivered()
    {
        await host.Outbox.AddAsync([Alerts.Email("a", createdAt: time.GetUtcNow()), Alerts.Email("b", createdAt: time.GetUtcNow())], default);

        var summary = await host.Outbox.DeliverDueAsync(default);

        Assert.Equal(new(2, 0, 0), summary);
        Assert.Equal(2, smtp.Messages.Count);
        Assert.Equal(new OutboxCounts(0, 2, 0), await host.Outbox.CountAsync(default));
    }

    [Fact]
    public async Task Deliver_TransientFailure_StaysPendingWithDoublingDelay()
    {
        smtp.Reply = () => (SmtpReplyCode)451;
        await host.Outbox.AddAsync([Alerts.Email(createdAt: time.GetUtcNow())], default);

        Assert.Equal(new(0, 1, 0), await host.Outbox.DeliverDueAsync(default));
        Assert.Equal(new(0, 0, 0), await host.Outbox.DeliverDueAsync(default)); // not due yet
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(new(0, 1, 0), await host.Outbox.DeliverDueAsync(default)); // second attempt
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(new(0, 0, 0), await host.Outbox.DeliverDueAsync(default)); // 60 s after the second

        smtp.Reply = () => null;
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new(1, 0, 0), await host.Outbox.DeliverDueAsync(default));
        Assert.Single(smtp.Messages);
        Assert.Equal(new OutboxCounts(0, 1, 0), await host.Outbox.CountAsync(default));
    }

    [Fact]
    public async Task Deliver_PermanentFailure_IsFailedWithReasonAndNotRetried()
    {
        smtp.Reply = () => (SmtpReplyCode)550;
        await host.Outbox.AddAsync([Alerts.Email(createdAt: time.GetUtcNow())], default);

        Assert.Equal(new(0, 0, 1), await host.Outbox.DeliverDueAsync(default));
        time.Advance(TimeSpan.FromDays(1));

        Assert.Equal(new(0, 0, 0), await host.Outbox.DeliverDueAsync(default));
        Assert.Equal(new OutboxCounts(0, 0, 1), await host.Outbox.CountAsync(default));
        Assert.Contains(host.Logs.Lines, l => l.StartsWith("Error: Alert ", StringComparison.Ordinal) && l.Contains("SMTP 550", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deliver_TwoHostsOnOneOutboxAtOnce_SendEachAlertOnce()
    {
        using var second = PipelineHost.Create(dir, Configs.With([Configs.Feed("f", new Uri("https://example.com/feed"))], smtp.Port), time: time);
        smtp.Reply = () =>
        {
            Thread.Sleep(5); // widen the window in which both hosts see the same due alerts
            return null;
        };
        await host.Outbox.AddAsync([.. Enumerable.Range(0, 30).Select(i => Alerts.Email($"item-{i}", createdAt: time.GetUtcNow()))], default);

        var results = await Task.WhenAll(
            Task.Run(() => host.Outbox.DeliverDueAsync(default)),
            Task.Run(() => second.Outbox.DeliverDueAsync(default)));

        Assert.Equal(30, results.Sum(r => r.Delivered));
        Assert.Equal(30, smtp.Messages.Count);
        Assert.Equal(30, smtp.Messages.Select(m => m.MessageId).Distinct().Count());
    }

    [Theory]
    [InlineData(1, null, 30)]
    [InlineData(2, null, 60)]
    [InlineData(3, null, 120)]
    [InlineData(20, null, 3600)]
    [InlineData(1, 300, 300)]
    [InlineData(3, 5, 120)]
    public void RetryDelay_DoublesUpToCapAndHonoursLongerRetryAfter(int attempts, int? retryAfterSeconds, int expectedSeconds)
    {
        var delay = host.Outbox.RetryDelay(attempts, retryAfterSeconds is { } s ? TimeSpan.FromSeconds(s) : null);

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), delay);
    }

    [Fact]
    public void RetryDelay_Jitter_AddsUpToItsFractionOfTheInjectedChance()
    {
        using var jittery = PipelineHost.Create(dir, Configs.With([Configs.Feed("f", new Uri("https://example.com/feed"))], smtp.Port),
            new Dictionary<string, string?> { ["ChipAlerts:Delivery:RetryJitter"] = "0.5" }, time,
            services => services.AddSingleton<RandomSource>(new SequenceRandom(0, 0.5, 0.9)));

        var delays = Enumerable.Range(0, 3).Select(_ => jittery.Outbox.RetryDelay(1, null)).ToList();

        Assert.Equal([TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(37.5), TimeSpan.FromSeconds(43.5)], delays);
    }

    /// <summary>Chance as a script: the given numbers, in turn.</summary>
    private sealed class SequenceRandom(params double[] values) : RandomSource
    {
        private int next;

        public override double NextDouble() => values[next++ % values.Length];
    }
}
