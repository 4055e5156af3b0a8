using System.Text.Json;

namespace ChipAlerts.Functions;

/// <summary>The fan-out queues and their messages: small JSON records with a version.</summary>
public static class Queues
{
    public const string FeedsToPoll = "feeds-to-poll";
    public const string Alerts = "alerts";
    public const string AlertsPoison = "alerts-poison";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string PollFeed(string feedId) => JsonSerializer.Serialize(new PollFeedMessage(PollFeedMessage.CurrentVersion, feedId), Json);

    public static string DeliverAlert(string alertId) => JsonSerializer.Serialize(new DeliverAlertMessage(DeliverAlertMessage.CurrentVersion, alertId), Json);

    public static T Read<T>(string message) => JsonSerializer.Deserialize<T>(message, Json)
        ?? throw new InvalidOperationException($"Queue message is not a {typeof(T).Name}: {message}");
}

public sealed record PollFeedMessage(int Version, string FeedId)
{
    public const int CurrentVersion = 1;
}

public sealed record DeliverAlertMessage(int Version, string AlertId)
{
    public const int CurrentVersion = 1;
}
