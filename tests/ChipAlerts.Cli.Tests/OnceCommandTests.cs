using System.Text.Json;
using ChipAlerts.Cli.Tests.Support;
using ChipAlerts.Core.Tests.Support;
using MimeKit;

namespace ChipAlerts.Cli.Tests;

public sealed class OnceCommandTests : IDisposable
{
    private readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task Once_OnSamples_AlertsEveryMatchAndPrintsTheSummary()
    {
        var result = await CliRunner.RunAsync(CliRunner.OnSamples(dir, "once"));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("│ feeds polled              │     3 │", result.Output, StringComparison.Ordinal);
        Assert.Contains("│ new items                 │    42 │", result.Output, StringComparison.Ordinal);
        Assert.Contains("│   matched Export controls │     7 │", result.Output, StringComparison.Ordinal);
        Assert.Contains("│   delivered               │    40 │", result.Output, StringComparison.Ordinal);
        Assert.Equal(40, Directory.GetFiles(dir.File("outbox/mail"), "*.eml").Length);
    }

    [Fact]
    public async Task Once_SeedArticle_AlertsOnExactlyTheFiveSeedLists()
    {
        await CliRunner.RunAsync(CliRunner.OnSamples(dir, "once"));

        var seedMails = Directory.GetFiles(dir.File("outbox/mail"), "*.eml")
            .Select(f => MimeMessage.Load(f))
            .Where(m => m.Subject!.EndsWith("Japan and US to commit to closer chip cooperation in joint statement-source", StringComparison.Ordinal))
            .ToDictionary(m => m.To.Mailboxes.Single().Address, m => m.Subject!);

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["policy-desk@example.com"] = "[ChipAlerts] Rapidus, Micron, Export controls, AI, Quantum: Japan and US to commit to closer chip cooperation in joint statement-source",
                ["memory-analyst@example.com"] = "[ChipAlerts] Micron, Export controls: Japan and US to commit to closer chip cooperation in joint statement-source",
            },
            seedMails);
    }

    [Fact]
    public async Task Once_Twice_SecondFindsNothingNewAndSendsNothing()
    {
        await CliRunner.RunAsync(CliRunner.OnSamples(dir, "once"));

        var second = await CliRunner.RunAsync(CliRunner.OnSamples(dir, "once", "--json"));

        using var json = JsonDocument.Parse(second.Output);
        Assert.Equal(3, json.RootElement.GetProperty("feedsPolled").GetInt32());
        Assert.Equal(0, json.RootElement.GetProperty("newItems").GetInt32());
        Assert.Equal(0, json.RootElement.GetProperty("alertsCreated").GetInt32());
        Assert.Equal(0, json.RootElement.GetProperty("alertsDelivered").GetInt32());
        Assert.Equal(40, Directory.GetFiles(dir.File("outbox/mail"), "*.eml").Length);
    }

    [Fact]
    public async Task Once_Json_PrintsTheSummaryAsJson()
    {
        var result = await CliRunner.RunAsync(CliRunner.OnSamples(dir, "once", "--json"));

        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.Equal(42, root.GetProperty("newItems").GetInt32());
        Assert.Equal(40, root.GetProperty("alertsDelivered").GetInt32());
        Assert.Equal(0, root.GetProperty("alertsPending").GetInt32());
        Assert.Equal(
            new Dictionary<string, int> { ["Rapidus"] = 6, ["Micron"] = 6, ["Export controls"] = 7, ["AI"] = 8, ["Quantum"] = 7 },
            root.GetProperty("matchesPerList").Deserialize<Dictionary<string, int>>());
        // Where the time went, stage by stage in pipeline order; a cycle that read, stored and sent spent some in each of those.
        var stages = root.GetProperty("stagesMs").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        Assert.Equal(["plan", "fetch", "parse", "ledger", "match", "stories", "route", "store", "deliver"], stages.Keys);
        Assert.All(stages.Values, ms => Assert.True(ms >= 0));
        Assert.All(["fetch", "parse", "match", "store", "deliver"], stage => Assert.True(stages[stage] > 0, stage));
    }

    [Fact]
    public async Task Once_Table_SaysWhereTheTimeWent()
    {
        var result = await CliRunner.RunAsync(CliRunner.OnSamples(dir, "once"));

        Assert.Matches(@"time by stage \(feeds summed\): plan [0-9.]+ ms, fetch [0-9.]+ ms, parse [0-9.]+ ms, ledger [0-9.]+ ms, match [0-9.]+ ms, stories [0-9.]+ ms, route [0-9.]+ ms, store [0-9.]+ ms, deliver [0-9.]+ ms", result.Output);
    }
}
