using ChipAlerts.Core.Pipeline;
using Spectre.Console;

namespace ChipAlerts.Cli.Commands;

/// <summary>A cycle's summary as a table, or as JSON for machines.</summary>
internal static class SummaryView
{

    public static void Write(IAnsiConsole console, CycleSummary summary, bool json)
    {
        if (json)
        {
            CliJson.Write(console, summary);
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title($"ChipAlerts cycle ({summary.Elapsed.TotalMilliseconds:N0} ms)");
        table.AddColumn("");
        table.AddColumn(new TableColumn("count").RightAligned());
        table.AddRow("feeds polled", $"{summary.FeedsPolled}");
        table.AddRow("  not modified", $"{summary.FeedsNotModified}");
        if (summary.FeedsLeasedElsewhere > 0)
        {
            table.AddRow("  left to another runner", $"{summary.FeedsLeasedElsewhere}");
        }

        table.AddRow("  failed", summary.FeedsFailed > 0 ? $"[red]{summary.FeedsFailed}[/]" : "0");
        if (summary.Skipped.Count > 0)
        {
            table.AddRow("feeds skipped (gone, Retry-After)", $"{summary.Skipped.Count}");
        }

        table.AddRow("new items", $"{summary.NewItems}");
        if (summary.BacklogItems > 0)
        {
            table.AddRow("  backlog, not alerted", $"{summary.BacklogItems}");
        }

        if (summary.ItemsPastCap > 0)
        {
            table.AddRow("items past MaxItems, not read", $"[yellow]{summary.ItemsPastCap}[/]");
        }

        foreach (var (list, count) in summary.MatchesPerList)
        {
            table.AddRow($"  matched {Markup.Escape(list)}", $"{count}");
        }

        if (summary.StoryCopies > 0)
        {
            table.AddRow("  copies of known stories", $"{summary.StoryCopies}");
        }

        table.AddRow("alerts created", $"{summary.AlertsCreated}");
        table.AddRow("  delivered", $"{summary.AlertsDelivered}");
        table.AddRow("  pending", summary.AlertsPending > 0 ? $"[yellow]{summary.AlertsPending}[/]" : "0");
        table.AddRow("  failed", summary.AlertsFailed > 0 ? $"[red]{summary.AlertsFailed}[/]" : "0");
        console.Write(table);
        console.MarkupLine("[grey]time by stage (feeds summed): " + Markup.Escape(summary.Stages.ToString()) + "[/]");
        if (summary.StoreWarning is { } warning)
        {
            console.MarkupLineInterpolated($"[yellow]{warning}[/]");
        }

        WriteList(console, "[red]feed errors[/]", ["feed", "code", "error"], summary.Failures.Select(f => (string[])[f.FeedId, f.Code, f.Message]));
        WriteList(console, "[yellow]feeds read after mending[/]", ["feed", "mended"], summary.Repaired.Select(f => (string[])[f.FeedId, f.Repairs]));
        WriteList(console, "feeds not polled, as their servers asked", ["feed", "why"], summary.Skipped.Select(f => (string[])[f.FeedId, f.Reason]));
    }

    /// <summary>A titled list under the summary, each cell feed text escaped; nothing when there are no rows.</summary>
    private static void WriteList(IAnsiConsole console, string title, string[] columns, IEnumerable<string[]> rows)
    {
        var table = new Table().Border(TableBorder.Simple).Title(title);
        table.AddColumns(columns);
        foreach (var row in rows)
        {
            table.AddRow([.. row.Select(Markup.Escape)]);
        }

        if (table.Rows.Count > 0)
        {
            console.Write(table);
        }
    }
}
