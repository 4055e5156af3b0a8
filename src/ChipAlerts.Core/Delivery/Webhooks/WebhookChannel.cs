using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ChipAlerts.Core.Delivery.Webhooks;

/// <summary>
/// POSTs the alert as JSON. Headers follow Standard Webhooks: webhook-id (the AlertId), webhook-timestamp,
/// and, when a whsec_ secret is configured, webhook-signature = "v1," + base64(HMAC-SHA256(id.timestamp.body)).
/// The URL and the secret are read from settings at send time and never leave this class.
/// </summary>
public sealed class WebhookChannel(
    IHttpClientFactory httpClients,
    LoadedConfig config,
    IConfiguration settings,
    IOptions<DeliveryOptions> options,
    TimeProvider time) : IAlertChannel
{
    public const string HttpClientName = "webhooks";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Type => ChannelConfig.WebhookType;

    public Task<DeliveryResult> SendAsync(Alert alert, CancellationToken cancellationToken) =>
        PostAsync(alert, alert.AlertId, JsonSerializer.SerializeToUtf8Bytes(WebhookPayload.From(alert), Json), cancellationToken);

    public Task<DeliveryResult> SendDigestAsync(IReadOnlyList<Alert> alerts, CancellationToken cancellationToken)
    {
        var digestId = Alert.DigestIdOf(alerts);
        var digest = new WebhookDigest(WebhookPayload.CurrentVersion, "digest", digestId, alerts[0].SubscriberId, [.. alerts.Select(WebhookPayload.From)]);
        return PostAsync(alerts[0], digestId, JsonSerializer.SerializeToUtf8Bytes(digest, Json), cancellationToken);
    }

    /// <summary>Posts <paramref name="body"/> to the webhook of <paramref name="alert"/>'s subscriber and channel, with <paramref name="id"/> as webhook-id.</summary>
    private async Task<DeliveryResult> PostAsync(Alert alert, string id, byte[] body, CancellationToken cancellationToken)
    {
        var channel = config.ChannelsOf(alert.SubscriberId)
            .FirstOrDefault(c => c.Type == Type && c.UrlSetting == alert.Channel.Target);
        if (channel is null || settings[alert.Channel.Target] is not { Length: > 0 } urlText)
        {
            return DeliveryResult.Permanent($"subscriber '{alert.SubscriberId}' no longer has a webhook at setting '{alert.Channel.Target}'.");
        }

        var url = new Secret(urlText);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

        using var request = new HttpRequestMessage(HttpMethod.Post, url.Reveal());
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp);
        if (channel.SigningSecretSetting is { } secretSetting && settings[secretSetting] is { Length: > 0 } secret)
        {
            request.Headers.Add("webhook-signature", Sign(new Secret(secret), id, timestamp, body));
        }

        using var deadline = new CancellationTokenSource(options.Value.WebhookTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, linked.Token);
            return Classify(response);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return DeliveryResult.Retry($"the webhook did not answer within {options.Value.WebhookTimeout.TotalSeconds:0.###} s.");
        }
        catch (HttpRequestException e)
        {
            // The exception text can hold the host name but never the path and query, where webhook tokens live.
            return DeliveryResult.Retry($"the webhook could not be reached ({e.HttpRequestError}).");
        }
    }

    /// <summary>HTTP 408, 429 and 5xx are worth retrying; other errors will not change by themselves.</summary>
    private DeliveryResult Classify(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            return DeliveryResult.Delivered;
        }

        if (response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || status >= 500)
        {
            return DeliveryResult.Retry($"the webhook answered {status}.", Backoff.RetryAfter(response, time));
        }

        return DeliveryResult.Permanent($"the webhook answered {status}.");
    }

    /// <summary>Standard Webhooks v1 signature.</summary>
    public static string Sign(Secret secret, string id, string timestamp, byte[] body)
    {
        var key = Convert.FromBase64String(secret.Reveal()["whsec_".Length..]);
        var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(body).ToArray();
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
    }
}
