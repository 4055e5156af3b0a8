using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace ChipAlerts.Cli.Commands;

/// <summary>`chipalerts check`: validates the configuration and the settings it names, and says what it holds.</summary>
public sealed class CheckCommand(IAnsiConsole console) : ConfiguredCommand(console)
{
    protected override Task<int> RunAsync(IServiceProvider services, LoadedConfig config, CommonSettings settings, CancellationToken cancellationToken)
    {
        var file = config.Config;
        var schedule = services.GetRequiredService<PollSchedule>().Expression;
        Console.MarkupLineInterpolated($"[green]OK[/]: {file.Feeds.Count} feeds, {file.WatchLists.Count} watch-lists, {file.Subscribers.Count} subscribers; polling on \"{schedule}\".");
        return Task.FromResult(ExitCodes.Ok);
    }
}
