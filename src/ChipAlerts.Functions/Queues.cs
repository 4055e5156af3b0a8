using System.Text.Json;
using ChipAlerts.Core.State;

namespace ChipAlerts.Functions;

/// <summary>The fan-out queues and their messages: small JSON records with a version.</summary>
public static class Queues
{
    public const string FeedsToPoll = "feeds-to-poll";
    public const string Alerts = "alerts";
    public const string AlertsPoison = "alerts-poison";

    /// <summary>Every queue the app uses; the host creates the trigger queues, the app creates them too so a fresh account answers.</summary>
    public static readonly string[] All = [FeedsToPoll, Alerts, AlertsPoison];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>A feed to poll, as the plan saw it (<paramref name="seen"/>), or whatever its state when <paramref name="force"/>.</summary>
    public static string PollFeed(string feedId, FeedState? seen, bool force = false) =>
        JsonSerializer.Serialize(new PollFeedMessage(PollFeedMessage.CurrentVersion, feedId) { StateVersion = seen?.Version, Force = force }, Json);

    public static string DeliverAlert(string alertId) => JsonSerializer.Serialize(new DeliverAlertMessage(DeliverAlertMessage.CurrentVersion, alertId), Json);

    public static T Read<T>(string message) => JsonSerializer.Deserialize<T>(message, Json)
        ?? throw new InvalidOperationException($"Queue message is not a {typeof(T).Name}: {message}");
}

public sealed record PollFeedMessage(int Version, string FeedId)
{
    public const int CurrentVersion = 2;

    /// <summary>
    /// The version of the feed's state the plan read (null: never polled). The poll leases the feed only if
    /// it is still that one, so a message delivered twice, or a feed polled meanwhile, polls once.
    /// </summary>
    public string? StateVersion { get; init; }

    /// <summary>Poll whatever the state (POST /api/poll).</summary>
    public bool Force { get; init; }
}

public sealed record DeliverAlertMessage(int Version, string AlertId)
{
    public const int CurrentVersion = 1;
}
