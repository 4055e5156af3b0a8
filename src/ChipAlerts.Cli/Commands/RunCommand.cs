using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Pipeline;
using ChipAlerts.Core.WebSub;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace ChipAlerts.Cli.Commands;

/// <summary>
/// `chipalerts run`: a cycle now, then one at every occurrence of pollSchedule, until Ctrl+C; with
/// ChipAlerts:WebSub:CallbackUrl set, also the listener the WebSub hubs call.
/// </summary>
public sealed class RunCommand(CliConsoles consoles) : ConfiguredCommand(consoles)
{
    protected override async Task<int> RunAsync(IServiceProvider services, LoadedConfig config, CommonSettings settings, CancellationToken cancellationToken)
    {
        var pipeline = services.GetRequiredService<AlertPipeline>();
        var schedule = services.GetRequiredService<PollSchedule>();
        var time = services.GetRequiredService<TimeProvider>();
        var webSub = services.GetRequiredService<IOptions<WebSubOptions>>().Value;
        // Hubs call back while the cycles run; the listener stops with the command.
        await using var listener = webSub.Enabled ? await WebSubListener.StartAsync(services, cancellationToken) : null;
        if (listener is not null && !settings.Json)
        {
            Console.MarkupLineInterpolated($"[grey]WebSub: listening on {string.Join(", ", listener.Urls)} for hubs calling {webSub.CallbackUrl}.[/]");
        }

        async Task Cycle(CancellationToken token)
        {
            try
            {
                // The plan decides which feeds are due (intervals, backoff after failures).
                var summary = await pipeline.RunCycleAsync(allFeeds: false, token);
                SummaryView.Write(Console, summary, settings.Json);
                // Subscribe the feeds that announce a hub, renew leases, retry hubs that failed.
                await pipeline.MaintainPushAsync(token);
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
