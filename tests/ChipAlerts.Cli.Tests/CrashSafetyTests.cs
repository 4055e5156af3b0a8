using System.Text.Json;
using ChipAlerts.Cli.Tests.Support;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Cli.Tests;

/// <summary>The real `chipalerts` in child processes: killed mid-delivery, a new process finishes the job.</summary>
public sealed class CrashSafetyTests : IAsyncLifetime
{
    private readonly TempDir dir = new();
    private SmtpSink smtp = null!;
    private string config = "";

    public async Task InitializeAsync()
    {
        smtp = await SmtpSink.StartAsync();
        // The samples, with SMTP delivery to the test server instead of the pickup folder.
        config = CliRunner.SamplesWithSmtp(dir, smtp.Port);
    }

    public async Task DisposeAsync()
    {
        await smtp.DisposeAsync();
        dir.Dispose();
    }

    private string[] Args(params string[] args) => [.. args, "--config", config, "--data", dir.File("chipalerts.db"), "--outbox", dir.File("outbox")];

    [Fact]
    public async Task KilledDuringDelivery_NextProcessesDeliverTheRestAndNothingIsLost()
    {
        // A short claim, so the alert the killed process held is free again within the test.
        var environment = new Dictionary<string, string> { ["ChipAlerts__Delivery__ClaimTimeout"] = "00:00:05" };
        smtp.Reply = () =>
        {
            Thread.Sleep(100); // slow the server so the kill lands mid-delivery
            return null;
        };
        var sinceKill = System.Diagnostics.Stopwatch.StartNew();
        using (var first = CliRunner.Start(environment, Args("once")))
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (smtp.Messages.Count < 5 && waited.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(20);
            }

            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
            sinceKill.Restart();
        }

        Assert.InRange(smtp.Messages.Count, 5, 39);
        smtp.Reply = () => null;

        // The next process sends everything but the alerts the dead one had claimed (one per destination it
        // was serving, at most Delivery:Concurrency = 4) and, so as not to overtake them, the later ones to
        // the same addresses…
        var second = await RunAsync(environment);
        using (var list = CliRunner.Start(environment, Args("deliveries", "list", "--status", "pending", "--json")))
        {
            var pending = JsonDocument.Parse(await list.StandardOutput.ReadToEndAsync()).RootElement.EnumerateArray().ToList();
            await list.WaitForExitAsync();
            Assert.Equal(second.GetProperty("alertsPending").GetInt32(), pending.Count);
            Assert.InRange(pending.Select(p => p.GetProperty("channel").GetString()).Distinct().Count(), 0, 4);
        }

        // …and once that claim has expired, a later cycle sends it too.
        await Task.Delay(TimeSpan.FromSeconds(5.5) - sinceKill.Elapsed is { Ticks: > 0 } rest ? rest : TimeSpan.Zero);
        var third = await RunAsync(environment);
        Assert.Equal(0, third.GetProperty("alertsPending").GetInt32());

        var ids = smtp.Messages.Select(m => m.MessageId).ToList();
        Assert.Equal(40, ids.Distinct().Count());
        // At most the messages in flight at the kill are sent twice, with the same Message-ID: one per kept SMTP
        // connection (Delivery:SmtpConnections = 4), as the relay may have taken one the dead process never recorded.
        Assert.InRange(ids.Count, 40, 44);
        Assert.All(ids.GroupBy(id => id), copies => Assert.InRange(copies.Count(), 1, 2));
    }

    [Fact]
    public async Task SigtermDuringDelivery_FinishesTheSendsInFlight_ReleasesEveryClaim_SoTheNextRunSendsTheRestAtOnce()
    {
        // The default claim (5 minutes): an alert whose claim were left behind would miss the next run.
        var environment = new Dictionary<string, string>();
        smtp.Reply = () =>
        {
            Thread.Sleep(100); // slow the server so the stop lands mid-delivery
            return null;
        };
        using (var first = CliRunner.Start(environment, Args("once")))
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (smtp.Messages.Count < 5 && waited.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(20);
            }

            Assert.True(System.Diagnostics.Process.Start("kill", ["-TERM", $"{first.Id}"]) is { } kill && kill.WaitForExit(5000));
            await first.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        var sentBeforeTheStop = smtp.Messages.Count;
        smtp.Reply = () => null;
        var second = await RunAsync(environment);

        Assert.InRange(sentBeforeTheStop, 5, 39);
        Assert.Equal((0, 0), (second.GetProperty("alertsPending").GetInt32(), second.GetProperty("alertsCreated").GetInt32()));
        var ids = smtp.Messages.Select(m => m.MessageId).ToList();
        Assert.Equal(40, ids.Count); // every alert once: none sent twice, none left waiting for a claim
        Assert.Equal(40, ids.Distinct().Count());
    }

    private async Task<JsonElement> RunAsync(Dictionary<string, string> environment)
    {
        using var process = CliRunner.Start(environment, Args("once", "--json"));
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        using var summary = JsonDocument.Parse(output);
        return summary.RootElement.Clone();
    }
}
