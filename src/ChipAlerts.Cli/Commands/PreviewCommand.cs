using System.ComponentModel;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Ledger;
using ChipAlerts.Core.Matching;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ChipAlerts.Cli.Commands;

public sealed class PreviewSettings : CommonSettings
{
    [CommandOption("-l|--list <NAME>")]
    [Description("The watch-list to try, by name.")]
    public string? List { get; init; }

    [CommandOption("-q|--query <QUERY>")]
    [Description("A query to try instead of the list's own, before saving it; the list's minScore and weights still apply.")]
    public string? Query { get; init; }

    [CommandOption("--days <N>")]
    [Description("How far back to look. Default: 7")]
    [DefaultValue(7)]
    public int Days { get; init; } = 7;

    public override ValidationResult Validate() =>
        List is null && Query is null ? ValidationResult.Error("Give --list NAME, --query QUERY, or both.")
        : Days < 1 ? ValidationResult.Error("--days must be 1 or more.")
        : ValidationResult.Success();
}

/// <summary>
/// `chipalerts preview --list NAME [--query Q] [--days N]`: runs one list over the items the ledger
/// has seen recently and shows what it would have alerted on. Nothing is stored or sent.
/// </summary>
public sealed class PreviewCommand(CliConsoles consoles) : ConfiguredCommand<PreviewSettings>(consoles)
{
    protected override bool SendsNothing => true;

    /// <summary>The most items a preview looks at.</summary>
    public const int MaxItems = 50_000;

    protected override async Task<int> RunAsync(IServiceProvider services, LoadedConfig config, PreviewSettings settings, CancellationToken cancellationToken)
    {
        var list = config.Config.WatchLists.Find(l => string.Equals(l.Name, settings.List, StringComparison.OrdinalIgnoreCase));
        if (settings.List is not null && list is null)
        {
            Errors.MarkupLineInterpolated($"[red]No watch-list is named '{settings.List}'.[/] Known lists: {string.Join(", ", config.Config.WatchLists.Select(l => l.Name))}.");
            return ExitCodes.Usage;
        }

        var candidate = (list ?? new WatchListConfig { Name = "preview" }) with { Query = settings.Query ?? list!.Query };
        WatchListMatcher matcher;
        try
        {
            matcher = new WatchListMatcher([candidate]);
        }
        catch (ArgumentException e)
        {
            Errors.MarkupLineInterpolated($"[red]{e.Message.Replace(" (Parameter 'watchLists')", "", StringComparison.Ordinal)}[/]");
            return ExitCodes.Usage;
        }

        var since = services.GetRequiredService<TimeProvider>().GetUtcNow().AddDays(-settings.Days);
        var items = await services.GetRequiredService<IItemLedger>().GetRecentAsync(since, MaxItems, cancellationToken);
        var results = items
            .Select(item => MatchView.Result(item, matcher.Match(item)))
            .Where(r => r.Matches.Count > 0)
            .ToList();
        if (settings.Json)
        {
            MatchView.WriteJson(Console, new { watchList = candidate.Name, query = candidate.Query, days = settings.Days, itemsSeen = items.Count, matched = results });
            return ExitCodes.Ok;
        }

        Console.MarkupLineInterpolated($"[bold]{candidate.Name}[/]: {candidate.Query}");
        if (results.Count > 0)
        {
            MatchView.WriteTable(Console, results, showPublished: true);
        }

        Console.MarkupLineInterpolated($"Would have alerted on {results.Count} of the {items.Count} items seen in the last {settings.Days} days.");
        return ExitCodes.Ok;
    }
}
