using ChipAlerts.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ChipAlerts.Cli.Commands;

/// <summary>`chipalerts once`: one full cycle over every feed, then a summary. Exit 0 even when some feeds failed: they are reported per feed.</summary>
public sealed class OnceCommand(IAnsiConsole console) : AsyncCommand<CommonSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CommonSettings settings, CancellationToken cancellationToken)
    {
        using var host = CliHost.Build(settings);
        if (CliHost.LoadConfiguration(host, console) is null)
        {
            return ExitCodes.BadConfiguration;
        }

        var summary = await host.Services.GetRequiredService<AlertPipeline>().RunCycleAsync(allFeeds: true, cancellationToken);
        SummaryView.Write(console, summary, settings.Json);
        return ExitCodes.Ok;
    }
}
