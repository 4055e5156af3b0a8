using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace ChipAlerts.Cli.Commands;

/// <summary>`chipalerts check`: validates the configuration and the settings it names, and says what it holds.</summary>
public sealed class CheckCommand(CliConsoles consoles) : ConfiguredCommand(consoles)
{
    protected override Task<int> RunAsync(IServiceProvider services, LoadedConfig config, CommonSettings settings, CancellationToken cancellationToken)
    {
        var file = config.Config;
        var schedule = services.GetRequiredService<PollSchedule>().Expression;
        if (settings.Json)
        {
            CliJson.Write(Console, new { Valid = true, Feeds = file.Feeds.Count, WatchLists = file.WatchLists.Count, Subscribers = file.Subscribers.Count, PollSchedule = schedule });
            return Task.FromResult(ExitCodes.Ok);
        }

        Console.MarkupLineInterpolated($"[green]OK[/]: {file.Feeds.Count} feeds, {file.WatchLists.Count} watch-lists, {file.Subscribers.Count} subscribers; polling on \"{schedule}\".");
        return Task.FromResult(ExitCodes.Ok);
    }
}
