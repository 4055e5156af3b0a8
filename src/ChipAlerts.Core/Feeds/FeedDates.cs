using System.Globalization;
using System.Text.RegularExpressions;

namespace ChipAlerts.Core.Feeds;

/// <summary>
/// Feed dates, parsed culture-invariantly into UTC: RFC 822/1123 (RSS), with named zones, and ISO 8601 (Atom).
/// FeedReader's own parsing follows the current culture, so we parse the raw string ourselves.
/// </summary>
public static partial class FeedDates
{
    private static readonly Dictionary<string, TimeSpan> Zones = new(StringComparer.OrdinalIgnoreCase)
    {
        ["UT"] = TimeSpan.Zero,
        ["UTC"] = TimeSpan.Zero,
        ["GMT"] = TimeSpan.Zero,
        ["Z"] = TimeSpan.Zero,
        ["EST"] = TimeSpan.FromHours(-5),
        ["EDT"] = TimeSpan.FromHours(-4),
        ["CST"] = TimeSpan.FromHours(-6),
        ["CDT"] = TimeSpan.FromHours(-5),
        ["MST"] = TimeSpan.FromHours(-7),
        ["MDT"] = TimeSpan.FromHours(-6),
        ["PST"] = TimeSpan.FromHours(-8),
        ["PDT"] = TimeSpan.FromHours(-7),
        ["BST"] = TimeSpan.FromHours(1),
        ["CET"] = TimeSpan.FromHours(1),
        ["CEST"] = TimeSpan.FromHours(2),
        ["JST"] = TimeSpan.FromHours(9),
        ["KST"] = TimeSpan.FromHours(9),
        ["HKT"] = TimeSpan.FromHours(8),
        ["SGT"] = TimeSpan.FromHours(8),
        ["IST"] = new TimeSpan(5, 30, 0),
        ["AEST"] = TimeSpan.FromHours(10),
    };

    private static readonly string[] Rfc822Formats =
    [
        "d MMM yyyy H:m:s", "d MMM yyyy H:m", "d MMM yyyy", "d MMM yy H:m:s", "d MMM yy H:m", "d MMM yy",
    ];

    /// <summary>
    /// Zone names that mean one thing in one language's feeds and another elsewhere: "CST" is China Standard Time
    /// (UTC+8) in a Chinese feed, US Central (UTC−6) in the rest.
    /// </summary>
    private static readonly Dictionary<(string Language, string Zone), TimeSpan> ZonesByLanguage = new()
    {
        [("zh", "CST")] = TimeSpan.FromHours(8),
    };

    /// <summary>Parses <paramref name="value"/>; <paramref name="language"/> (the feed's, "zh-cn") settles ambiguous zone names.</summary>
    public static DateTimeOffset? Parse(string? value, string? language = null)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = value.Trim();
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var iso)
            && IsoLike().IsMatch(text))
        {
            return iso.ToUniversalTime();
        }

        // RFC 822: drop the optional day name, turn a zone name or "+0900" into "+09:00".
        var match = Rfc822().Match(text);
        if (!match.Success)
        {
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var loose)
                ? loose.ToUniversalTime()
                : null;
        }

        var stamp = match.Groups["stamp"].Value;
        var zone = match.Groups["zone"].Value;
        TimeSpan offset;
        if (zone.Length == 0)
        {
            offset = TimeSpan.Zero;
        }
        else if (ZonesByLanguage.TryGetValue((PrimaryLanguage(language), zone.ToUpperInvariant()), out var local))
        {
            offset = local;
        }
        else if (Zones.TryGetValue(zone, out var named))
        {
            offset = named;
        }
        else if (NumericZone().Match(zone) is { Success: true } numeric)
        {
            var hours = int.Parse(numeric.Groups[2].Value, CultureInfo.InvariantCulture);
            var minutes = int.Parse(numeric.Groups[3].Value, CultureInfo.InvariantCulture);
            offset = new TimeSpan(hours, minutes, 0) * (numeric.Groups[1].Value == "-" ? -1 : 1);
        }
        else
        {
            return null;
        }

        return DateTime.TryParseExact(stamp, Rfc822Formats, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var clock)
            ? new DateTimeOffset(clock, offset).ToUniversalTime()
            : null;
    }

    /// <summary>"zh" of "zh-CN", "ZH_tw", " zh "; "" when none.</summary>
    private static string PrimaryLanguage(string? language) =>
        language?.Trim().Split('-', '_')[0].ToLowerInvariant() ?? "";

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}")]
    private static partial Regex IsoLike();

    [GeneratedRegex(@"^(?:[A-Za-z]{3,9},?\s*)?(?<stamp>\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?)\s*(?<zone>[A-Za-z]{1,5}|[+-]\d{2}:?\d{2})?\s*$")]
    private static partial Regex Rfc822();

    [GeneratedRegex(@"^([+-])(\d{2}):?(\d{2})$")]
    private static partial Regex NumericZone();
}
