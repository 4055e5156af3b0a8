using ChipAlerts.Cli.Tests.Support;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Cli.Tests;

public sealed class CheckCommandTests : IDisposable
{
    private readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task Check_Samples_SaysWhatTheyHold()
    {
        var result = await CliRunner.RunAsync(CliRunner.OnSamples(dir, "check"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("OK: 3 feeds, 5 watch-lists, 2 subscribers; polling on \"0 */15 * * * *\".\n", result.Output);
    }

    [Fact]
    public async Task Check_QueryThatParsesButProbablyMeansSomethingElse_IsValidWithAWarningNamingListAndCharacter()
    {
        var config = dir.File("warn.json");
        await File.WriteAllTextAsync(config, """
            {
              "feeds": [ { "id": "wire", "url": "https://example.com/feed" } ],
              "watchLists": [ { "name": "Memory", "query": "Micron or \"SK Hynix\"" }, { "name": "Rapidus", "query": "Rapidus" } ],
              "subscribers": [ { "id": "desk", "watchLists": [ "Memory" ], "channels": [ { "type": "email", "to": "desk@example.com" } ] } ],
              "email": { "from": "ChipAlerts <alerts@example.com>" }
            }
            """);

        var text = await CliRunner.RunAsync("check", "--config", config, "--data", dir.File("db"), "--outbox", dir.File("outbox"));
        var json = await CliRunner.RunAsync("check", "--json", "--config", config, "--data", dir.File("db"), "--outbox", dir.File("outbox"));

        Assert.Equal(0, text.ExitCode);
        Assert.Equal(
            "warning: watch-list 'Memory', character 8: 'or' is read as a word to find; operators are upper case: write OR to use it, or \"or\" to find the word without this warning.\n",
            text.Errors);
        var warning = Assert.Single(System.Text.Json.JsonDocument.Parse(json.Output).RootElement.GetProperty("warnings").EnumerateArray().ToList());
        Assert.Equal(("Memory", 8), (warning.GetProperty("watchList").GetString(), warning.GetProperty("character").GetInt32()));
    }

    [Theory]
    [InlineData("check")]
    [InlineData("once")]
    [InlineData("run")]
    public async Task BadConfiguration_StopsWithEveryErrorAndExitCode2(string command)
    {
        var config = dir.File("bad.json");
        await File.WriteAllTextAsync(config, """
            {
              "pollSchedule": "*/5 * * *",
              "feeds": [ { "id": "wire", "url": "" } ],
              "watchLists": [ { "name": "AI", "query": "=AI OR (robots", "colour": "red" } ],
              "subscribers": [ { "id": "desk", "watchLists": [ "Quantum" ], "channels": [ { "type": "email", "to": "desk@example.com" } ] } ],
              "email": { "from": "ChipAlerts <alerts@example.com>" }
            }
            """);

        var result = await CliRunner.RunAsync(command, "--config", config, "--data", dir.File("db"), "--outbox", dir.File("outbox"));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            $"""
            Configuration error in {config}:
              pollSchedule: '*/5 * * *' is not an NCRONTAB expression; use six fields with seconds first, e.g. "0 */15 * * * *" for every 15 minutes.
              feeds[0].url: missing: give an http(s) URL or a path to a local feed file.
              watchLists[0].colour: unknown field; known fields here: name, query, minScore, weights, nearAcrossFields.
              watchLists[0].query: watch-list 'AI', character 8 (at «(robots»): unbalanced parenthesis: this '(' is never closed; add a ')'.
              subscribers[0].watchLists[0]: no watch-list is named 'Quantum'; known lists: AI.

            """,
            result.Errors);
        Assert.Empty(result.Output); // stdout stays clean for a caller that reads results
        Assert.False(File.Exists(dir.File("db")));
    }
}

/// <summary>Sets process-wide environment variables, so it runs alone.</summary>
[Collection(EnvironmentCollection.Name)]
public sealed class SettingsErrorTests : IDisposable
{
    private readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task SettingOfTheWrongType_IsAUsageError_NamingTheSetting()
    {
        var result = await CliRunner.RunWithEnvironmentAsync("ChipAlerts__Fetch__Timeout", "soon", CliRunner.OnSamples(dir, "check"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Settings error", result.Errors, StringComparison.Ordinal);
        Assert.Contains("ChipAlerts:Fetch:Timeout", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadSetting_StopsWithTheOptionNamed()
    {
        var result = await CliRunner.RunWithEnvironmentAsync("ChipAlerts__Fetch__MaxConcurrency", "0", CliRunner.OnSamples(dir, "check"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Settings error in FetchOptions:", result.Errors, StringComparison.Ordinal);
        Assert.Contains("MaxConcurrency", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadContactUrl_StopsWithTheFix()
    {
        var result = await CliRunner.RunWithEnvironmentAsync("ChipAlerts__Fetch__ContactUrl", "call Bob", CliRunner.OnSamples(dir, "check"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("ContactUrl must be an http(s) URL or a mailto: address, e.g. https://alerts.example.com/contact.", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LocalSettingsFile_IsReadFromTheWorkingFolder_BelowEnvironmentVariables()
    {
        var previous = Directory.GetCurrentDirectory();
        await File.WriteAllTextAsync(dir.File("local.settings.json"), """
            { "IsEncrypted": false, "Values": { "ChipAlerts:Fetch:MaxConcurrency": "0" } }
            """);
        try
        {
            Directory.SetCurrentDirectory(dir.Path);
            var fromFile = await CliRunner.RunAsync(CliRunner.OnSamples(dir, "check"));
            Environment.SetEnvironmentVariable("ChipAlerts__Fetch__MaxConcurrency", "4");
            var overridden = await CliRunner.RunAsync(CliRunner.OnSamples(dir, "check"));

            Assert.Equal(2, fromFile.ExitCode);
            Assert.Contains("MaxConcurrency", fromFile.Errors, StringComparison.Ordinal);
            Assert.Equal(0, overridden.ExitCode);
        }
        finally
        {
            Environment.SetEnvironmentVariable("ChipAlerts__Fetch__MaxConcurrency", null);
            Directory.SetCurrentDirectory(previous);
        }
    }

    [Fact]
    public async Task PollScheduleSetting_OverridesTheFile_AndIsValidated()
    {
        try
        {
            Environment.SetEnvironmentVariable("ChipAlerts__PollSchedule", "0 0 * * * *");
            var hourly = await CliRunner.RunAsync(CliRunner.OnSamples(dir, "check"));
            Environment.SetEnvironmentVariable("ChipAlerts__PollSchedule", "hourly");
            var invalid = await CliRunner.RunAsync(CliRunner.OnSamples(dir, "check"));

            Assert.Equal("OK: 3 feeds, 5 watch-lists, 2 subscribers; polling on \"0 0 * * * *\".\n", hourly.Output);
            Assert.Equal(2, invalid.ExitCode);
            Assert.Contains("  setting ChipAlerts:PollSchedule: 'hourly' is not an NCRONTAB expression; use six fields with seconds first, e.g. \"0 */15 * * * *\", or remove the setting to use pollSchedule.", invalid.Errors, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("ChipAlerts__PollSchedule", null);
        }
    }
}
