using System.Diagnostics;
using ChipAlerts.Cli.Tests.Support;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Cli.Tests;

/// <summary>`chipalerts run` as a real process: a cycle at once, then waiting for the schedule; SIGTERM stops it cleanly.</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task Run_CyclesAtOnce_ThenStopsCleanlyOnSigterm()
    {
        using var process = CliRunner.Start(new Dictionary<string, string>(), CliRunner.OnSamples(dir, "run"));
        var output = new System.Text.StringBuilder();
        var waiting = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data?.Contains("Ctrl+C stops.", StringComparison.Ordinal) == true)
            {
                waiting.TrySetResult();
            }
        };
        process.BeginOutputReadLine();

        await waiting.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(Process.Start("kill", ["-TERM", $"{process.Id}"]) is { } kill && kill.WaitForExit(5000));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, process.ExitCode);
        lock (output)
        {
            Assert.Contains("│   delivered               │    40 │", output.ToString(), StringComparison.Ordinal);
            Assert.Contains("Next cycle at ", output.ToString(), StringComparison.Ordinal);
            Assert.Contains("Stopped.", output.ToString(), StringComparison.Ordinal);
        }
    }
}
