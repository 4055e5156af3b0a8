using System.Text.Json;
using ChipAlerts.Azure.Tests.Support;
using ChipAlerts.Cli.Tests.Support;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Azure.Tests;

/// <summary>Two local runners on one Azure Storage account share the work: every alert is sent once.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SharedStorageTests(Azurite azurite) : IAsyncLifetime
{
    private readonly TempDir dir = new();
    private SmtpSink smtp = null!;
    private string config = "";

    public async Task InitializeAsync()
    {
        smtp = await SmtpSink.StartAsync();
        smtp.Reply = () =>
        {
            Thread.Sleep(5); // widen the window in which both runners see the same due alerts
            return null;
        };
        // The samples, with SMTP delivery to the test server instead of the pickup folder.
        config = CliRunner.SamplesWithSmtp(dir, smtp.Port);
    }

    public async Task DisposeAsync()
    {
        await smtp.DisposeAsync();
        dir.Dispose();
    }

    [Fact]
    public async Task TwoRunnersAtOnce_OnOneStorageAccount_SendEachAlertOnce()
    {
        var runs = await Task.WhenAll(Run("a"), Run("b"));

        Assert.All(runs, r => Assert.Equal(0, r.ExitCode));
        Assert.Equal(40, smtp.Messages.Select(m => m.MessageId).Distinct().Count());
        Assert.Equal(40, smtp.Messages.Count);
        var delivered = runs.Sum(r => JsonDocument.Parse(r.Output).RootElement.GetProperty("alertsDelivered").GetInt32());
        Assert.Equal(40, delivered);
        Assert.False(File.Exists(dir.File("a/chipalerts.db")), "SQLite must not be used when --storage is given");

        var again = await Run("c");
        Assert.Equal(0, JsonDocument.Parse(again.Output).RootElement.GetProperty("newItems").GetInt32());
    }

    private Task<CliResult> Run(string name) => Task.Run(() => CliRunner.RunAsync(
        "once", "--json", "--config", config, "--storage", azurite.ConnectionString,
        "--data", dir.File($"{name}/chipalerts.db"), "--outbox", dir.File($"{name}/outbox")));
}
