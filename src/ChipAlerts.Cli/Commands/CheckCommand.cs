using ChipAlerts.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ChipAlerts.Cli.Commands;

/// <summary>`chipalerts check`: validates the configuration and the settings it names, and says what it holds.</summary>
public sealed class CheckCommand(IAnsiConsole console) : Command<CommonSettings>
{
    public override int Execute(CommandContext context, CommonSettings settings, CancellationToken cancellationToken)
    {
        using var host = CliHost.Build(settings);
        if (CliHost.LoadConfiguration(host, console) is not { } loaded)
        {
            return ExitCodes.BadConfiguration;
        }

        var config = loaded.Config;
        var schedule = host.Services.GetRequiredService<PollSchedule>().Expression;
        console.MarkupLineInterpolated($"[green]OK[/]: {config.Feeds.Count} feeds, {config.WatchLists.Count} watch-lists, {config.Subscribers.Count} subscribers; polling on \"{schedule}\".");
        return ExitCodes.Ok;
    }
}
