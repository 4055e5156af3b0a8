using System.Globalization;

namespace ChipAlerts.Core.Feeds;

/// <summary>The backlog rule's window: "all", or a duration ("1.00:00:00"). Null window: all.</summary>
public static class Backfill
{
    public const string All = "all";

    public static bool TryParse(string text, out TimeSpan? window)
    {
        window = null;
        if (string.Equals(text?.Trim(), All, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            window = span;
            return true;
        }

        return false;
    }

    /// <summary>Whether an item of a feed's first poll alerts: published within the window before <paramref name="now"/>; an undated one cannot say, so it does not.</summary>
    public static bool Alerts(FeedItem item, TimeSpan? window, DateTimeOffset now) =>
        window is not { } span || item.Published is { } published && now - published <= span;

    /// <summary>What a feed's first poll will do, in words (`feeds add`, `feeds import`).</summary>
    public static string Describe(TimeSpan? window) => window is not { } span
        ? "its first poll alerts on every item it finds (backfill: all)"
        : $"its first poll records what it finds and alerts only on items published in the {Words(span)} before it";

    private static string Words(TimeSpan span) =>
        span.TotalDays >= 1 && span.TotalDays % 1 == 0 ? $"{span.TotalDays:0} day{(span.TotalDays == 1 ? "" : "s")}"
        : span.TotalHours >= 1 && span.TotalHours % 1 == 0 ? $"{span.TotalHours:0} hour{(span.TotalHours == 1 ? "" : "s")}"
        : $"{span.TotalMinutes:0} minutes";
}
