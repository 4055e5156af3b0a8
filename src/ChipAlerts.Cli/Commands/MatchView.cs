using System.Globalization;
using System.Text.Json.Serialization;
using ChipAlerts.Core.Delivery.Webhooks;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Matching;
using Spectre.Console;

namespace ChipAlerts.Cli.Commands;

/// <summary>Items with the lists they matched and why: the output of classify and preview.</summary>
internal static class MatchView
{

    /// <summary>An item and its matches; JSON carries them in the webhook's documented shape.</summary>
    public sealed record ItemResult(string Title, string? Link, string FeedId, DateTimeOffset? Published, IReadOnlyList<WebhookMatch> Matches)
    {
        /// <summary>The matches themselves, for the table's highlighted snippets.</summary>
        [JsonIgnore]
        public IReadOnlyList<WatchListMatch> Found { get; init; } = [];

        /// <summary>The item itself, so a backtest can tell the same item from two runs.</summary>
        [JsonIgnore]
        public FeedItem? Item { get; init; }
    }

    public static ItemResult Result(FeedItem item, IReadOnlyList<WatchListMatch> matches) =>
        new(item.Title, item.Link, item.FeedId, item.Published, [.. matches.Select(WebhookMatch.From)]) { Found = matches, Item = item };

    public static void WriteJson(IAnsiConsole console, object value) =>
        CliJson.Write(console, value);

    public static void WriteTable(IAnsiConsole console, IReadOnlyList<ItemResult> results, bool showPublished)
    {
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("Item");
        if (showPublished)
        {
            table.AddColumn(new TableColumn("Published").NoWrap());
        }

        table.AddColumn("Lists");
        table.AddColumn("Why");
        foreach (var result in results)
        {
            // One row per matched list, the item named on its first.
            var rows = result.Found.Count == 0
                ? [("[grey]—[/]", "")]
                : result.Found.Select(m => (
                    $"[green]{Markup.Escape(m.WatchList)}[/] ({m.Score})",
                    // The title is on the row already; a summary hit shows its snippet.
                    string.Join("\n", [Markup.Escape(m.Explain()), .. m.Evidence.Where(e => e.Field == MatchEvidence.Summary).Take(1).Select(Snippet)]))).ToList();
            for (var i = 0; i < rows.Count; i++)
            {
                var row = new List<string> { i > 0 ? "" : Markup.Escape(result.Title.Length > 0 ? result.Title : "(untitled)") };
                if (showPublished)
                {
                    row.Add(i > 0 ? "" : result.Published?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "");
                }

                row.AddRange([rows[i].Item1, rows[i].Item2]);
                table.AddRow([.. row]);
            }
        }

        console.Write(table);
    }

    // "…chip maker, [Rapidus], that…" with the match highlighted.
    private static string Snippet(MatchEvidence e) =>
        $"[grey]{Markup.Escape(e.Snippet[..e.StartInSnippet])}[/][yellow]{Markup.Escape(e.Matched)}[/][grey]{Markup.Escape(e.Snippet[(e.StartInSnippet + e.Length)..])}[/]";
}
