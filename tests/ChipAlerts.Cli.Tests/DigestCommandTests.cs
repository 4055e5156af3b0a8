using System.Text.Json;
using ChipAlerts.Cli.Tests.Support;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Cli.Tests;

public sealed class DigestCommandTests : IDisposable
{
    private readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task Digest_SendsTheHeldAlertsOfDigestSubscribersAsOneEmail()
    {
        // The samples, with the memory analyst on a digest.
        var config = CliRunner.WriteSamples(dir, json => json.Replace("\"id\": \"memory-analyst\",", "\"id\": \"memory-analyst\", \"digest\": true,", StringComparison.Ordinal));
        string[] paths = ["--config", config, "--data", dir.File("db"), "--outbox", dir.File("outbox")];

        var once = await CliRunner.RunAsync(["once", "--json", .. paths]);
        var held = JsonDocument.Parse(once.Output).RootElement.GetProperty("alertsPending").GetInt32();
        var digest = await CliRunner.RunAsync(["digest", .. paths]);
        var again = await CliRunner.RunAsync(["digest", .. paths]);

        Assert.Equal(12, held); // 6 Micron + 7 export-control items, the seed article being both
        Assert.Equal($"Digests: {held} alerts delivered, 0 to retry, 0 failed.\n", digest.Output);
        Assert.Equal("Digests: 0 alerts delivered, 0 to retry, 0 failed.\n", again.Output);
        var mail = Directory.GetFiles(dir.File("outbox/mail"), "digest-*.eml");
        Assert.Single(mail);
        Assert.Contains("Subject: [ChipAlerts] Digest: 12 new items on Micron, Export controls", await File.ReadAllTextAsync(mail[0]), StringComparison.Ordinal);
    }
}
