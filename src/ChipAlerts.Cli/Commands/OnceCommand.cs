using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace ChipAlerts.Cli.Commands;

/// <summary>`chipalerts once`: one full cycle over every feed, then a summary. Exit 0 even when some feeds failed: they are reported per feed.</summary>
public sealed class OnceCommand(IAnsiConsole console) : ConfiguredCommand(console)
{
    protected override async Task<int> RunAsync(IServiceProvider services, LoadedConfig config, CommonSettings settings, CancellationToken cancellationToken)
    {
        var summary = await services.GetRequiredService<AlertPipeline>().RunCycleAsync(allFeeds: true, cancellationToken);
        SummaryView.Write(Console, summary, settings.Json);
        return ExitCodes.Ok;
    }
}
