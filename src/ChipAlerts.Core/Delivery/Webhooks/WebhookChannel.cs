using System.Text.Json;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Routing;

namespace ChipAlerts.Core.Delivery.Webhooks;

/// <summary>The generic webhook: the versioned JSON of <see cref="WebhookPayload"/>, signed per Standard Webhooks by <see cref="WebhookPoster"/>.</summary>
public sealed class WebhookChannel(WebhookPoster poster) : IAlertChannel
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Type => ChannelConfig.WebhookType;

    public string EndpointOf(ChannelAddress address) => poster.EndpointOf(address);

    public Task<DeliveryResult> SendAsync(Alert alert, CancellationToken cancellationToken) => Prepare(alert)(cancellationToken);

    /// <summary>The body serialized now; the send signs and posts it.</summary>
    public PreparedSend Prepare(Alert alert)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(WebhookPayload.From(alert), Json);
        return cancellationToken => poster.PostAsync(alert, alert.AlertId, body, cancellationToken);
    }

    public Task<DeliveryResult> SendDigestAsync(IReadOnlyList<Alert> alerts, CancellationToken cancellationToken)
    {
        var digestId = Alert.DigestIdOf(alerts);
        var digest = new WebhookDigest(WebhookPayload.CurrentVersion, "digest", digestId, alerts[0].SubscriberId, [.. alerts.Select(WebhookPayload.From)]);
        return poster.PostAsync(alerts[0], digestId, JsonSerializer.SerializeToUtf8Bytes(digest, Json), cancellationToken);
    }
}
