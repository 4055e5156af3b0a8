using System.ComponentModel;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ChipAlerts.Cli.Commands;

public sealed class CheckSettings : CommonSettings
{
    [CommandOption("--connect")]
    [Description("Also try what the configuration names, sending nothing: the store, the SMTP relay (connect, EHLO, TLS, AUTH), each webhook host (DNS, TLS).")]
    public bool Connect { get; init; }
}

/// <summary>`chipalerts check [--connect]`: validates the configuration and the settings it names, says what it holds, and with --connect whether it answers.</summary>
public sealed class CheckCommand(CliConsoles consoles) : ConfiguredCommand<CheckSettings>(consoles)
{
    protected override async Task<int> RunAsync(IServiceProvider services, LoadedConfig config, CheckSettings settings, CancellationToken cancellationToken)
    {
        var file = config.Config;
        var schedule = services.GetRequiredService<PollSchedule>().Expression;
        var checks = settings.Connect ? await ConnectionChecks.RunAsync(services, config, cancellationToken) : [];
        var code = checks.All(c => c.Ok) ? ExitCodes.Ok : ExitCodes.Unreachable;
        if (settings.Json)
        {
            CliJson.Write(Console, new { Valid = true, Feeds = file.Feeds.Count, WatchLists = file.WatchLists.Count, Subscribers = file.Subscribers.Count, PollSchedule = schedule, Connections = settings.Connect ? checks : null });
            return code;
        }

        Console.MarkupLineInterpolated($"[green]OK[/]: {file.Feeds.Count} feeds, {file.WatchLists.Count} watch-lists, {file.Subscribers.Count} subscribers; polling on \"{schedule}\".");
        foreach (var check in checks)
        {
            (check.Ok ? Console : Errors).MarkupLine($"{(check.Ok ? "[green]OK[/]" : "[red]FAILED[/]")} {Markup.Escape($"{check.What}: {check.Detail}")}");
        }

        return code;
    }
}
