using System.ComponentModel;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Matching;
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
    protected override bool Observed => false;

    protected override async Task<int> RunAsync(IServiceProvider services, LoadedConfig config, CheckSettings settings, CancellationToken cancellationToken)
    {
        var file = config.Config;
        var schedule = services.GetRequiredService<PollSchedule>().Expression;
        var checks = settings.Connect ? await ConnectionChecks.RunAsync(services, config, cancellationToken) : [];
        var code = checks.All(c => c.Ok) ? ExitCodes.Ok : ExitCodes.Unreachable;
        var warnings = file.WatchLists
            .SelectMany(list => QueryParser.Warnings(list.Query).Select(w => new QueryWarningView(list.Name, w.Position + 1, w.Message)))
            .ToList();
        if (settings.Json)
        {
            CliJson.Write(Console, new { Valid = true, Feeds = file.Feeds.Count, WatchLists = file.WatchLists.Count, Subscribers = file.Subscribers.Count, PollSchedule = schedule, Warnings = warnings, Connections = settings.Connect ? checks : null });
            return code;
        }

        Console.MarkupLineInterpolated($"[green]OK[/]: {file.Feeds.Count} feeds, {file.WatchLists.Count} watch-lists, {file.Subscribers.Count} subscribers; polling on \"{schedule}\".");
        QueryWarningView.Write(Errors, warnings);
        foreach (var check in checks)
        {
            (check.Ok ? Console : Errors).MarkupLine($"{(check.Ok ? "[green]OK[/]" : "[red]FAILED[/]")} {Markup.Escape($"{check.What}: {check.Detail}")}");
        }

        return code;
    }
}

/// <summary>A query warning as check and preview show it: the list, the 1-based character, what to do.</summary>
public sealed record QueryWarningView(string WatchList, int Character, string Message)
{
    public static void Write(IAnsiConsole console, IEnumerable<QueryWarningView> warnings)
    {
        foreach (var warning in warnings)
        {
            console.MarkupLineInterpolated($"[yellow]warning[/]: watch-list '{warning.WatchList}', character {warning.Character}: {warning.Message}");
        }
    }
}
