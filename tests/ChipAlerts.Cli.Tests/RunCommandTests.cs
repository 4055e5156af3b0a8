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

    [Fact]
    public async Task Run_ServesPrometheusMetrics_WithTheCountsOfItsCycle()
    {
        var port = SmtpSink.FreePort();
        using var process = CliRunner.Start(new Dictionary<string, string> { ["ChipAlerts__Telemetry__PrometheusPort"] = $"{port}" }, CliRunner.OnSamples(dir, "run"));
        var waiting = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Ctrl+C stops.", StringComparison.Ordinal) == true)
            {
                waiting.TrySetResult();
            }
        };
        process.BeginOutputReadLine();
        await waiting.Task.WaitAsync(TimeSpan.FromSeconds(60));

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        Assert.True(Process.Start("kill", ["-TERM", $"{process.Id}"]) is { } kill && kill.WaitForExit(5000));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("chipalerts_feed_polls_total{otel_scope_name=\"ChipAlerts\",error_type=\"\",outcome=\"ok\"} 3", metrics, StringComparison.Ordinal);
        Assert.Contains("chipalerts_feed_items_new_total{otel_scope_name=\"ChipAlerts\"} 42", metrics, StringComparison.Ordinal);
        Assert.Contains("chipalerts_matches_total{otel_scope_name=\"ChipAlerts\",watch_list=\"Rapidus\"} 6", metrics, StringComparison.Ordinal);
        Assert.Contains("chipalerts_alerts_created_total{otel_scope_name=\"ChipAlerts\",channel_type=\"email\"} 40", metrics, StringComparison.Ordinal);
        Assert.Contains("chipalerts_alerts_delivered_total{otel_scope_name=\"ChipAlerts\",channel_type=\"email\"} 40", metrics, StringComparison.Ordinal);
        Assert.Contains("chipalerts_alert_latency_seconds_count{otel_scope_name=\"ChipAlerts\",channel_type=\"email\"} 40", metrics, StringComparison.Ordinal);
        Assert.Contains("chipalerts_outbox_active{otel_scope_name=\"ChipAlerts\"} 0", metrics, StringComparison.Ordinal);
    }
}
