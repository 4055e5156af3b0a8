using ChipAlerts.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ChipAlerts.Cli.Commands;

/// <summary>`chipalerts run`: a cycle now, then one at every occurrence of pollSchedule, until Ctrl+C.</summary>
public sealed class RunCommand(IAnsiConsole console) : AsyncCommand<CommonSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CommonSettings settings, CancellationToken cancellationToken)
    {
        using var host = CliHost.Build(settings);
        if (CliHost.LoadConfiguration(host, console) is not { } config)
        {
            return ExitCodes.BadConfiguration;
        }

        var pipeline = host.Services.GetRequiredService<AlertPipeline>();
        var schedule = host.Services.GetRequiredService<PollSchedule>();
        var time = host.Services.GetRequiredService<TimeProvider>();

        async Task Cycle(CancellationToken token)
        {
            try
            {
                // The plan decides which feeds are due (intervals, backoff after failures).
                var summary = await pipeline.RunCycleAsync(allFeeds: false, token);
                SummaryView.Write(console, summary, settings.Json);
                if (!settings.Json && schedule.NextAfter(time.GetUtcNow()) is { } next)
                {
                    console.MarkupLineInterpolated($"[grey]Next cycle at {next:u} ({schedule.Expression}). Ctrl+C stops.[/]");
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
            console.MarkupLine("[grey]Stopped.[/]");
        }

        return ExitCodes.Ok;
    }
}
