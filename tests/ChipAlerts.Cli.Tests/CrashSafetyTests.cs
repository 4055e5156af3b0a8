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
        var samples = await File.ReadAllTextAsync(Path.Combine(TestPaths.Samples, "chipalerts.json"));
        var feeds = Path.Combine(TestPaths.Samples, "feeds").Replace("\\", "/", StringComparison.Ordinal);
        config = dir.File("chipalerts.json");
        await File.WriteAllTextAsync(config, samples
            .Replace("\"url\": \"feeds/", $"\"url\": \"{feeds}/", StringComparison.Ordinal)
            .Replace("\"from\": \"ChipAlerts <alerts@chipalerts.example>\"", $"\"from\": \"ChipAlerts <alerts@chipalerts.example>\", \"smtp\": {{ \"host\": \"127.0.0.1\", \"port\": {smtp.Port}, \"security\": \"None\" }}", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        await smtp.DisposeAsync();
        dir.Dispose();
    }

    private string[] Args(params string[] args) => [.. args, "--config", config, "--data", dir.File("chipalerts.db"), "--outbox", dir.File("outbox")];

    [Fact]
    public async Task KilledDuringDelivery_NextProcessDeliversTheRestAndNothingIsLost()
    {
        // Slow the server so the kill lands mid-delivery.
        smtp.Reply = () =>
        {
            Thread.Sleep(100);
            return null;
        };
        using (var first = CliRunner.Start(new Dictionary<string, string>(), Args("once")))
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (smtp.Messages.Count < 5 && waited.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(20);
            }

            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }

        var deliveredBeforeKill = smtp.Messages.Count;
        Assert.InRange(deliveredBeforeKill, 5, 39);

        smtp.Reply = () => null;
        using var second = CliRunner.Start(new Dictionary<string, string>(), Args("once", "--json"));
        var output = await second.StandardOutput.ReadToEndAsync();
        await second.WaitForExitAsync();

        Assert.Equal(0, second.ExitCode);
        using var summary = JsonDocument.Parse(output);
        Assert.Equal(0, summary.RootElement.GetProperty("alertsPending").GetInt32());
        var ids = smtp.Messages.Select(m => m.MessageId).ToList();
        Assert.Equal(40, ids.Distinct().Count());
        // At most the one message in flight at the kill is sent twice, with the same Message-ID.
        Assert.InRange(ids.Count, 40, 41);
    }
}
