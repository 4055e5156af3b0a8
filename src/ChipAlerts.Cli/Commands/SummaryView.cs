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
        if (summary.StoreWarning is { } warning)
        {
            console.MarkupLineInterpolated($"[yellow]{warning}[/]");
        }

        if (summary.Failures.Count > 0)
        {
            var failures = new Table().Border(TableBorder.Simple).Title("[red]feed errors[/]");
            failures.AddColumns("feed", "code", "error");
            foreach (var failure in summary.Failures)
            {
                failures.AddRow(Markup.Escape(failure.FeedId), Markup.Escape(failure.Code), Markup.Escape(failure.Message));
            }

            console.Write(failures);
        }

        if (summary.Repaired.Count > 0)
        {
            var repaired = new Table().Border(TableBorder.Simple).Title("[yellow]feeds read after mending[/]");
            repaired.AddColumns("feed", "mended");
            foreach (var feed in summary.Repaired)
            {
                repaired.AddRow(Markup.Escape(feed.FeedId), Markup.Escape(feed.Repairs));
            }

            console.Write(repaired);
        }

        if (summary.Skipped.Count > 0)
        {
            var skipped = new Table().Border(TableBorder.Simple).Title("feeds not polled, as their servers asked");
            skipped.AddColumns("feed", "why");
            foreach (var feed in summary.Skipped)
            {
                skipped.AddRow(Markup.Escape(feed.FeedId), Markup.Escape(feed.Reason));
            }

            console.Write(skipped);
        }
    }
}
