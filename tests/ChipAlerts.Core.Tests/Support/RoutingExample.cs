using System.Text.Json;
using ChipAlerts.Core.Configuration;

namespace ChipAlerts.Core.Tests.Support;

/// <summary>
/// The README's severity-routing example, shared by the tests of both hosts: a title hit on export controls goes
/// to Teams and email at once, through quiet hours; a passing mention waits for the 08:00 digest.
/// </summary>
public static class RoutingExample
{
    public const string Feed = """
        <rss version="2.0"><channel><title>Policy wire</title>
          <item><title>New export controls put chip makers on the Entity List</title><guid>urgent-1</guid><link>https://wire.example.com/urgent-1</link></item>
          <item><title>Memory prices rise for a third quarter</title><description>Analysts noted that export controls were not discussed.</description><guid>mention-1</guid><link>https://wire.example.com/mention-1</link></item>
        </channel></rss>
        """;

    /// <summary>23:30 in Tokyo, inside the subscriber's quiet hours (22:00 to 07:00).</summary>
    public static readonly DateTimeOffset InQuietHours = new(2026, 12, 1, 14, 30, 0, TimeSpan.Zero);

    /// <summary>Teams markdown escapes the parentheses.</summary>
    public const string UrgentNoteInTeams = "route 'urgent' \\(Export controls scored 6, at least 6\\)";

    public const string UrgentNoteInEmail = "- Sent now, through quiet hours by route 'urgent' (Export controls scored 6, at least 6)";

    public static SubscriberConfig Desk { get; } = new()
    {
        Id = "desk",
        WatchLists = ["Export controls"],
        TimeZone = "Asia/Tokyo",
        QuietHours = new QuietHoursConfig { From = "22:00", To = "07:00" },
        Channels =
        [
            new ChannelConfig { Type = "teams", UrlSetting = "Hooks:Teams" },
            new ChannelConfig { Type = "email", To = "desk@example.com" },
        ],
        Routes =
        [
            new RouteConfig { Name = "urgent", MinScore = 6, Channels = ["teams", "email"], ThroughQuietHours = true },
            new RouteConfig { Name = "the rest", Deliver = RouteConfig.DigestTiming, Channels = ["email"] },
        ],
    };

    /// <summary>Every string value in a JSON document.</summary>
    public static IEnumerable<string> Texts(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Texts),
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Texts(p.Value)),
        _ => [],
    };
}
