using System.Text.Json;
using ChipAlerts.Cli.Tests.Support;
using ChipAlerts.Core.Tests.Support;
using SmtpServer.Protocol;

namespace ChipAlerts.Cli.Tests;

/// <summary>`chipalerts deliveries list` and `replay` against a real SMTP server that refuses, then accepts.</summary>
[Collection(EnvironmentCollection.Name)]
public sealed class DeliveriesCommandTests : IAsyncLifetime
{
    private readonly TempDir dir = new();
    private SmtpSink smtp = null!;

    public async Task InitializeAsync() => smtp = await SmtpSink.StartAsync();

    public async Task DisposeAsync()
    {
        await smtp.DisposeAsync();
        dir.Dispose();
    }

    private string[] On(string config, params string[] args) =>
        [.. args, "--config", config, "--data", dir.File("data/chipalerts.db"), "--outbox", dir.File("outbox")];

    /// <summary>The samples' 40 alerts, each dead after one refused attempt (the relay keeps refusing); returns the configuration.</summary>
    private async Task<string> DeadLetterEveryAlertAsync()
    {
        var config = CliRunner.SamplesWithSmtp(dir, smtp.Port);
        smtp.Reply = () => (SmtpReplyCode)451;
        // One attempt each, and no circuit breaker to hold the rest back: every alert is tried and dies.
        var oneAttempt = new Dictionary<string, string>
        {
            ["ChipAlerts__Delivery__MaxAttempts"] = "1",
            ["ChipAlerts__Delivery__QuickRetries"] = "0",
            ["ChipAlerts__Delivery__BreakerFailures"] = "1000",
        };
        await CliRunner.RunWithEnvironmentAsync(oneAttempt, On(config, "once"));
        return config;
    }

    [Fact]
    public async Task ServerDownUntilAttemptsRunOut_AlertsAreDead_ListedAndReplayedOnce()
    {
        var config = await DeadLetterEveryAlertAsync();

        var table = await CliRunner.RunAsync(On(config, "deliveries"));
        var dead = await CliRunner.RunAsync(On(config, "deliveries", "list", "--status", "dead", "--json"));
        var pending = await CliRunner.RunAsync(On(config, "deliveries", "--status", "pending"));
        smtp.Reply = () => null;
        var replay = await CliRunner.RunAsync(On(config, "deliveries", "replay", "--all-dead"));
        var again = await CliRunner.RunAsync(On(config, "deliveries", "replay", "--all-dead"));

        Assert.Matches(@"│ [0-9a-f]{32} │ dead\s+│ (policy-desk|memory-analyst) ·\s+│ 1\s+│", table.Output);
        Assert.Contains("40 alert(s). Resend with: chipalerts deliveries replay <alert> (or --all-dead).", table.Output, StringComparison.Ordinal);
        var entries = JsonDocument.Parse(dead.Output).RootElement.EnumerateArray().ToList();
        Assert.Equal(40, entries.Count);
        Assert.All(entries, e => Assert.StartsWith("dead-lettered after 1 attempt: SMTP 451", e.GetProperty("lastError").GetString(), StringComparison.Ordinal));
        Assert.Contains("No pending alerts.", pending.Output, StringComparison.Ordinal);
        Assert.Contains("Replayed 40 alert(s): 40 delivered, 0 pending, 0 failed.", replay.Output, StringComparison.Ordinal);
        Assert.Equal(40, smtp.Messages.Count);
        Assert.Equal(80, smtp.Attempts);
        Assert.Contains("No dead alerts to replay.", again.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_WhileTheRelayStillRefuses_ReportsTheAlertsAsPending_AndWhy()
    {
        var config = await DeadLetterEveryAlertAsync();

        var replay = await CliRunner.RunAsync(On(config, "deliveries", "replay", "--all-dead"));

        // Each destination's first is tried and fails again; the rest wait behind it: all 40 are pending, none delivered.
        Assert.Equal(1, replay.ExitCode);
        Assert.Contains("Replayed 40 alert(s): 0 delivered, 40 pending, 0 failed.", replay.Output, StringComparison.Ordinal);
        Assert.Matches(@"[0-9a-f]{32} pending: next attempt \S+ \S+ \(SMTP 451", replay.Output);
        Assert.Contains("(not tried yet: behind an older alert of its destination)", replay.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_UnknownOrBadArguments_SaySo()
    {
        var config = CliRunner.SamplesWithSmtp(dir, smtp.Port);

        var unknown = await CliRunner.RunAsync(On(config, "deliveries", "replay", "0123456789abcdef0123456789abcdef"));
        var neither = await CliRunner.RunAsync(On(config, "deliveries", "replay"));
        var badStatus = await CliRunner.RunAsync(On(config, "deliveries", "--status", "lost"));

        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("Not replayed: 0123456789abcdef0123456789abcdef is not in the outbox.", unknown.Errors, StringComparison.Ordinal);
        Assert.Equal((2, 2), (neither.ExitCode, badStatus.ExitCode)); // usage mistakes
        Assert.Contains("Give an alert id or --all-dead", neither.Errors, StringComparison.Ordinal);
        Assert.Contains("--status 'lost' is not one of pending, failed, dead, delivered.", badStatus.Errors, StringComparison.Ordinal);
        Assert.Empty(badStatus.Output);
    }
}
