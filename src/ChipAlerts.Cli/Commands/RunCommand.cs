using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace ChipAlerts.Cli.Commands;

/// <summary>`chipalerts run`: a cycle now, then one at every occurrence of pollSchedule, until Ctrl+C.</summary>
public sealed class RunCommand(CliConsoles consoles) : ConfiguredCommand(consoles)
{
    protected override async Task<int> RunAsync(IServiceProvider services, LoadedConfig config, CommonSettings settings, CancellationToken cancellationToken)
    {
        var pipeline = services.GetRequiredService<AlertPipeline>();
        var schedule = services.GetRequiredService<PollSchedule>();
        var time = services.GetRequiredService<TimeProvider>();

        async Task Cycle(CancellationToken token)
        {
            try
            {
                // The plan decides which feeds are due (intervals, backoff after failures).
                var summary = await pipeline.RunCycleAsync(allFeeds: false, token);
                SummaryView.Write(Console, summary, settings.Json);
                if (!settings.Json && schedule.NextAfter(time.GetUtcNow()) is { } next)
                {
                    Console.MarkupLineInterpolated($"[grey]Next cycle at {next:u} ({schedule.Expression}). Ctrl+C stops.[/]");
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Stopping: whatever was stored stays stored; pending alerts go out on the next start.
            }
        }

        await Cycle(cancellationToken);
        await schedule.RunAsync(Cycle, cancellationToken);
        if (!settings.Json)
        {
            Console.MarkupLine("[grey]Stopped.[/]");
        }

        return ExitCodes.Ok;
    }
}
