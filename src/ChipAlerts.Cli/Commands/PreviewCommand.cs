using System.ComponentModel;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Feeds;
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

    [CommandOption("--examples <N>")]
    [Description("With --list and --query: how many items gained and lost to show, the newest first (--json gives them all). Default: 10")]
    [DefaultValue(10)]
    public int Examples { get; init; } = 10;

    public override ValidationResult Validate() =>
        List is null && Query is null ? ValidationResult.Error("Give --list NAME, --query QUERY, or both.")
        : Days < 1 ? ValidationResult.Error("--days must be 1 or more.")
        : Examples < 0 ? ValidationResult.Error("--examples must be 0 or more.")
        : ValidationResult.Success();
}

/// <summary>
/// `chipalerts preview --list NAME [--query Q] [--days N]`: runs one list over the items the ledger
/// has seen recently and shows what it would have alerted on. With both a list and a changed query it
/// is a backtest: what the new query gains and loses against the list's own over that history.
/// Nothing is stored or sent.
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
        var current = list is not null && settings.Query is not null && settings.Query != list.Query ? list : null;
        WatchListMatcher matcher;
        WatchListMatcher? currentMatcher;
        try
        {
            matcher = new WatchListMatcher([candidate]);
            currentMatcher = current is null ? null : new WatchListMatcher([current]);
        }
        catch (ArgumentException e)
        {
            Errors.MarkupLineInterpolated($"[red]{e.Message.Replace(" (Parameter 'watchLists')", "", StringComparison.Ordinal)}[/]");
            return ExitCodes.Usage;
        }

        var warnings = QueryParser.Warnings(candidate.Query).Select(w => new QueryWarningView(candidate.Name, w.Position + 1, w.Message)).ToList();
        QueryWarningView.Write(Errors, warnings);
        var since = services.GetRequiredService<TimeProvider>().GetUtcNow().AddDays(-settings.Days);
        var items = await services.GetRequiredService<IItemLedger>().GetRecentAsync(since, MaxItems, cancellationToken);
        var results = items
            .Select(item => MatchView.Result(item, matcher.Match(item)))
            .Where(r => r.Matches.Count > 0)
            .ToList();
        if (currentMatcher is not null)
        {
            return Backtest(settings, candidate, current!, items, results, currentMatcher, warnings);
        }

        if (settings.Json)
        {
            MatchView.WriteJson(Console, new { watchList = candidate.Name, query = candidate.Query, days = settings.Days, itemsSeen = items.Count, warnings, matched = results });
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

    // The new query against the list's own over the same items: what it would gain, what it would lose.
    private int Backtest(
        PreviewSettings settings, WatchListConfig candidate, WatchListConfig current, IReadOnlyList<FeedItem> items,
        List<MatchView.ItemResult> results, WatchListMatcher currentMatcher, List<QueryWarningView> warnings)
    {
        // Item by item: the same item matched by both is kept, whatever its evidence.
        var before = new List<MatchView.ItemResult>();
        var gained = new List<MatchView.ItemResult>();
        var lost = new List<MatchView.ItemResult>();
        var matchedNow = results.ToDictionary<MatchView.ItemResult, FeedItem>(r => r.Item!, ReferenceEqualityComparer.Instance);
        foreach (var item in items)
        {
            var was = currentMatcher.Match(item);
            if (was.Count > 0)
            {
                before.Add(MatchView.Result(item, was));
                if (!matchedNow.ContainsKey(item))
                {
                    lost.Add(before[^1]);
                }
            }
            else if (matchedNow.TryGetValue(item, out var now))
            {
                gained.Add(now);
            }
        }

        var kept = results.Count - gained.Count;
        if (settings.Json)
        {
            MatchView.WriteJson(Console, new
            {
                watchList = candidate.Name,
                query = candidate.Query,
                currentQuery = current.Query,
                days = settings.Days,
                itemsSeen = items.Count,
                warnings,
                current = before.Count,
                kept,
                gained,
                lost,
                matched = results,
            });
            return ExitCodes.Ok;
        }

        Console.MarkupLineInterpolated($"[bold]{candidate.Name}[/], now: {current.Query}");
        Console.MarkupLineInterpolated($"[bold]{candidate.Name}[/], new: {candidate.Query}");
        Section("Gained", gained, "[green]", "the new query alerts on, the current one does not");
        Section("Lost", lost, "[red]", "the current query alerts on, the new one would not");
        Console.MarkupLineInterpolated(
            $"Of the {items.Count} items seen in the last {settings.Days} days, the current query alerts on {before.Count} and the new one on {results.Count}: {gained.Count} gained, {lost.Count} lost, {kept} kept.");
        return ExitCodes.Ok;

        void Section(string name, List<MatchView.ItemResult> changed, string colour, string what)
        {
            if (changed.Count == 0)
            {
                return;
            }

            Console.MarkupLine($"{colour}{name} ({changed.Count})[/]: what {what}{(changed.Count > settings.Examples ? $"; the newest {settings.Examples}" : "")}{(settings.Examples > 0 ? ":" : ".")}");
            if (settings.Examples > 0)
            {
                MatchView.WriteTable(Console, [.. changed.OrderByDescending(r => r.Published).Take(settings.Examples)], showPublished: true);
            }
        }
    }

}
