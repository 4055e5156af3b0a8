using System.Text.Json.Nodes;
using ChipAlerts.Core.Delivery.Webhooks;
using ChipAlerts.Core.Routing;

namespace ChipAlerts.Core.Delivery.Chat;

/// <summary>How one chat tool wants an alert: the JSON of its incoming webhook, within its documented limits.</summary>
public interface IChatFormat
{
    /// <summary>The channel type in the configuration: "slack", "teams", "discord".</summary>
    string Type { get; }

    JsonObject Alert(Alert alert);

    /// <summary>A digest as one message or, where the tool's limits require, several.</summary>
    IReadOnlyList<JsonObject> Digest(IReadOnlyList<Alert> alerts);
}

/// <summary>A chat tool's incoming webhook: its format's JSON, posted by the shared <see cref="WebhookPoster"/>.</summary>
public sealed class ChatChannel(IChatFormat format, WebhookPoster poster) : IAlertChannel
{
    public string Type => format.Type;

    public string EndpointOf(ChannelAddress address) => poster.EndpointOf(address);

    public Task<DeliveryResult> SendAsync(Alert alert, CancellationToken cancellationToken) => Prepare(alert)(cancellationToken);

    /// <summary>The tool's JSON made now; the send posts it.</summary>
    public PreparedSend Prepare(Alert alert)
    {
        var body = Bytes(format.Alert(alert));
        return cancellationToken => poster.PostAsync(alert, alert.AlertId, body, cancellationToken);
    }

    /// <summary>Message after message; the first that fails stops the digest, which is then retried whole.</summary>
    public async Task<DeliveryResult> SendDigestAsync(IReadOnlyList<Alert> alerts, CancellationToken cancellationToken)
    {
        var digestId = Alert.DigestIdOf(alerts);
        var messages = format.Digest(alerts);
        var result = DeliveryResult.Delivered;
        for (var i = 0; i < messages.Count && result.Outcome == DeliveryOutcome.Delivered; i++)
        {
            result = await poster.PostAsync(alerts[0], i == 0 ? digestId : $"{digestId}-{i}", Bytes(messages[i]), cancellationToken);
        }

        return result;
    }

    private static byte[] Bytes(JsonObject json) => System.Text.Encoding.UTF8.GetBytes(json.ToJsonString());
}
