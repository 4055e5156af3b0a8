using System.Text.Json;
using ChipAlerts.Cli.Tests.Support;
using ChipAlerts.Core.Tests.Support;
using SmtpServer.Protocol;

namespace ChipAlerts.Cli.Tests;

/// <summary>The command line as operators script it: mistakes are errors, errors go to stderr, exit codes mean one thing everywhere.</summary>
public sealed class StrictCliTests : IDisposable
{
    private readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task MisspeltOption_IsAUsageErrorWithTheFix_AndNothingRuns()
    {
        var result = await CliRunner.RunAsync("once", "--conifg", dir.File("x.json"), "--data", dir.File("db/chipalerts.db"), "--outbox", dir.File("outbox"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Unknown option 'conifg'. Did you mean '--config'?", result.Errors, StringComparison.Ordinal);
        Assert.Empty(result.Output);
        Assert.False(Directory.Exists(dir.File("outbox")));
        Assert.False(Directory.Exists(dir.File("db")));
    }

    [Fact]
    public async Task MisspeltCommand_IsAUsageErrorWithTheNearestCommand()
    {
        var result = await CliRunner.RunAsync("onse");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Did you mean 'once'?", result.Errors, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task StoreThatCannotBeOpened_ExitsThree_NamingWhatToCheck()
    {
        // A database path under a regular file cannot be created.
        File.WriteAllText(dir.File("file"), "");

        var result = await CliRunner.RunAsync(CliRunner.OnSamples(dir, "once") is var args ? [.. args[..^4], "--data", dir.File("file/chipalerts.db"), "--outbox", dir.File("outbox")] : args);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("The store or a service could not be reached:", result.Errors, StringComparison.Ordinal);
        Assert.Contains("Check the --data path", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_WithTheSmtpRelayRefusing_ExitsOne_AndSaysSo()
    {
        await using var smtp = await SmtpSink.StartAsync();
        smtp.Reply = () => (SmtpReplyCode)451;
        var config = CliRunner.SamplesWithSmtp(dir, smtp.Port);

        var result = await CliRunner.RunAsync("once", "--json", "--config", config, "--data", dir.File("chipalerts.db"), "--outbox", dir.File("outbox"));

        Assert.Equal(1, result.ExitCode);
        using var summary = JsonDocument.Parse(result.Output);
        Assert.True(summary.RootElement.GetProperty("hadFailures").GetBoolean());
        Assert.Equal(2, summary.RootElement.GetProperty("alertsRetrying").GetInt32()); // each destination's first; the rest wait behind it, in order
        Assert.Equal(40, summary.RootElement.GetProperty("alertsPending").GetInt32());
    }

    [Fact]
    public async Task Json_KeepsTextAsWritten_AndEveryPrintingCommandTakesIt()
    {
        var config = CliRunner.WriteSamples(dir, json => json.Replace("\"name\": \"Semiconductor Wire\"", "\"name\": \"半導体ワイヤー\"", StringComparison.Ordinal));
        string[] Args(params string[] args) => [.. args, "--json", "--config", config, "--data", dir.File("chipalerts.db"), "--outbox", dir.File("outbox")];

        var feeds = await CliRunner.RunAsync(Args("feeds"));
        var check = await CliRunner.RunAsync(Args("check"));
        var digest = await CliRunner.RunAsync(Args("digest"));

        Assert.Contains("\"name\": \"半導体ワイヤー\"", feeds.Output, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(feeds.Output).RootElement.ValueKind);
        Assert.True(JsonDocument.Parse(check.Output).RootElement.GetProperty("valid").GetBoolean());
        Assert.Equal(0, JsonDocument.Parse(digest.Output).RootElement.GetProperty("delivered").GetInt32());
    }

    [Fact]
    public async Task Tables_PipedToAFile_KeepTheirFullWidth()
    {
        var longId = "semiconductor-wire-with-an-id-longer-than-an-eighty-column-terminal-would-show-on-one-line";
        var config = CliRunner.WriteSamples(dir, json => json.Replace("\"id\": \"semiconductor-wire\"", $"\"id\": \"{longId}\"", StringComparison.Ordinal));

        using var process = CliRunner.Start(new Dictionary<string, string>(), "feeds", "--config", config, "--data", dir.File("chipalerts.db"), "--outbox", dir.File("outbox"));
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(0, process.ExitCode);
        Assert.Contains(longId, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommandsThatSendNothing_NeedNoSecrets_OnesThatSendNameTheMissingSetting()
    {
        // A Slack channel whose webhook URL (a secret) is not set on this machine.
        var config = CliRunner.WriteSamples(dir, json => json.Replace(
            "\"channels\": [ { \"type\": \"email\", \"to\": \"policy-desk@example.com\" } ]",
            "\"channels\": [ { \"type\": \"email\", \"to\": \"policy-desk@example.com\" }, { \"type\": \"slack\", \"urlSetting\": \"Hooks:NotSetHere\" } ]",
            StringComparison.Ordinal));
        string[] Args(params string[] args) => [.. args, "--config", config, "--data", dir.File("chipalerts.db"), "--outbox", dir.File("outbox")];

        var readOnly = new[] { await CliRunner.RunAsync(Args("feeds")), await CliRunner.RunAsync(Args("deliveries")), await CliRunner.RunAsync(Args("optouts")), await CliRunner.RunAsync(Args("feeds", "export")) };
        var once = await CliRunner.RunAsync(Args("once"));

        Assert.All(readOnly, r => Assert.Equal((0, ""), (r.ExitCode, r.Errors)));
        Assert.Equal(2, once.ExitCode);
        Assert.Contains("subscribers[0].channels[1].urlSetting: the setting 'Hooks:NotSetHere' is not set", once.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_AsJsonLines_BySetting_OnStderr()
    {
        using var process = CliRunner.Start(new Dictionary<string, string> { ["ChipAlerts__LogFormat"] = "json" }, CliRunner.OnSamples(dir, "once"));
        var errors = await process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        var lines = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        var events = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList(); // every line is one JSON object
        var storeIsNew = Assert.Single(events, e => e.GetProperty("Category").GetString() == "ChipAlerts.Core.Pipeline.AlertPipeline");
        Assert.Equal("Warning", storeIsNew.GetProperty("LogLevel").GetString());
        Assert.NotEqual(0, storeIsNew.GetProperty("EventId").GetInt32());
        Assert.Contains("holds no state", storeIsNew.GetProperty("Message").GetString(), StringComparison.Ordinal);
    }
}
