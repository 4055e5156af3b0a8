using System.Text.Json;
using ChipAlerts.Cli.Tests.Support;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Cli.Tests;

/// <summary>`chipalerts init`: a configuration of one's own, so nothing edits or depends on the repository's samples.</summary>
public sealed class InitCommandTests : IDisposable
{
    private readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task Init_WritesAStarterThatRunsInItsFolder_AndRefusesToOverwrite()
    {
        var folder = dir.File("desk");

        var init = await CliRunner.RunAsync("init", folder);
        var again = await CliRunner.RunAsync("init", folder);
        // The real program, in the folder: local.settings.json there points every path at the folder.
        using var once = CliRunner.StartIn(folder, new Dictionary<string, string>(), "once", "--json");
        var output = await once.StandardOutput.ReadToEndAsync();
        await once.WaitForExitAsync();

        Assert.Equal(0, init.ExitCode);
        Assert.Equal(["chipalerts.json", "local.settings.json"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());
        Assert.Equal(3, Directory.GetFiles(Path.Combine(folder, "feeds")).Length);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already has", again.Errors, StringComparison.Ordinal);
        Assert.Equal(0, once.ExitCode);
        Assert.Equal(40, JsonDocument.Parse(output).RootElement.GetProperty("alertsDelivered").GetInt32());
        Assert.Equal(40, Directory.GetFiles(Path.Combine(folder, "outbox", "mail")).Length);
        Assert.True(File.Exists(Path.Combine(folder, "data", "chipalerts.db")));
    }

    [Theory]
    [InlineData("add", "https://www.example.com/news/")]
    [InlineData("import", "subscriptions.opml")]
    public async Task FeedsAddOrImport_WithoutAConfigurationNamed_EditNothing_AndSayWhatToDo(string command, string argument)
    {
        var sample = await File.ReadAllTextAsync(Path.Combine(TestPaths.Samples, "chipalerts.json"));

        // From the repository root, where the default configuration is the bundled sample.
        using var process = CliRunner.StartIn(TestPaths.RepoRoot, new Dictionary<string, string>(), "feeds", command, argument, "--data", dir.File("chipalerts.db"), "--outbox", dir.File("outbox"));
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("Give --config FILE (or the setting ChipAlerts:ConfigPath), or run chipalerts init FOLDER", errors, StringComparison.Ordinal);
        Assert.Equal(sample, await File.ReadAllTextAsync(Path.Combine(TestPaths.Samples, "chipalerts.json")));
    }
}
