using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace ChipAlerts.Cli.Commands;

/// <summary>
/// `chipalerts once`: one full cycle over every feed, then a summary. Exit 1 when the cycle had failures
/// (a feed failed, an alert failed or is waiting for a retry), so cron and systemd see them; they are listed.
/// </summary>
public sealed class OnceCommand(CliConsoles consoles) : ConfiguredCommand(consoles)
{
    protected override async Task<int> RunAsync(IServiceProvider services, LoadedConfig config, CommonSettings settings, CancellationToken cancellationToken)
    {
        var summary = await services.GetRequiredService<AlertPipeline>().RunCycleAsync(allFeeds: true, cancellationToken);
        SummaryView.Write(Console, summary, settings.Json);
        return summary.HadFailures ? ExitCodes.Failed : ExitCodes.Ok;
    }
}
