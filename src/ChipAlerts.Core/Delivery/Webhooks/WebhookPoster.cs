using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ChipAlerts.Core.Delivery.Webhooks;

/// <summary>
/// POSTs a JSON body to the URL behind an alert's channel, for the generic webhook and the chat channels alike.
/// Headers follow Standard Webhooks: webhook-id, webhook-timestamp, and, when a whsec_ secret is configured,
/// webhook-signature = "v1," + base64(HMAC-SHA256(id.timestamp.body)). The URL and the secret are read
/// from settings at send time and never leave this class. Failures are classified once, here.
/// </summary>
public sealed class WebhookPoster(
    IHttpClientFactory httpClients,
    LoadedConfig config,
    IConfiguration settings,
    IOptions<DeliveryOptions> options,
    TimeProvider time)
{
    public const string HttpClientName = "webhooks";

    /// <summary>Posts <paramref name="body"/> to the <paramref name="alert"/>'s channel, with <paramref name="id"/> as webhook-id.</summary>
    public async Task<DeliveryResult> PostAsync(Alert alert, string id, byte[] body, CancellationToken cancellationToken)
    {
        var channel = config.ChannelsOf(alert.SubscriberId)
            .FirstOrDefault(c => c.Type == alert.Channel.Type && c.UrlSetting == alert.Channel.Target);
        if (channel is null || settings[alert.Channel.Target] is not { Length: > 0 } urlText)
        {
            return DeliveryResult.Permanent($"subscriber '{alert.SubscriberId}' no longer has a {Named(alert.Channel)} at setting '{alert.Channel.Target}'.");
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
            return Classify(response, alert.Channel);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return DeliveryResult.Retry($"the {Named(alert.Channel)} did not answer within {options.Value.WebhookTimeout.TotalSeconds:0.###} s.");
        }
        catch (HttpRequestException e)
        {
            // The exception text can hold the host name but never the path and query, where webhook tokens live.
            return DeliveryResult.Retry($"the {Named(alert.Channel)} could not be reached ({e.HttpRequestError}).");
        }
    }

    /// <summary>The host (and port) of the URL behind <paramref name="address"/>: never its path or query, where tokens live.</summary>
    public string EndpointOf(ChannelAddress address) =>
        Uri.TryCreate(settings[address.Target], UriKind.Absolute, out var url) ? url.Authority : address.Target;

    /// <summary>
    /// HTTP 408, 429 and 5xx are worth retrying; other errors will not change by themselves. A destination
    /// that answers 410 Gone, or a chat webhook that answers 404, has been deleted: it is disabled, and the
    /// message says which setting to replace.
    /// </summary>
    private DeliveryResult Classify(HttpResponseMessage response, ChannelAddress channel)
    {
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            return DeliveryResult.Delivered;
        }

        if (response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || status >= 500)
        {
            return DeliveryResult.Retry($"the {Named(channel)} answered {status}.", Backoff.RetryAfter(response, time));
        }

        // A chat webhook answering 404 is deleted; a generic endpoint's 404 may be a wrong path, so only its 410 is final.
        if (status is 410 || channel.Type != ChannelConfig.WebhookType && status is 404)
        {
            return DeliveryResult.Gone($"the {Named(channel)} answered {status}: it was deleted or its URL changed; put a new URL in the setting '{channel.Target}', then `chipalerts optouts remove`.");
        }

        return DeliveryResult.Permanent($"the {Named(channel)} answered {status}.");
    }

    /// <summary>"webhook" for the generic one, "slack webhook" and so on for the chat tools.</summary>
    private static string Named(ChannelAddress channel) =>
        channel.Type == ChannelConfig.WebhookType ? "webhook" : $"{channel.Type} webhook";

    /// <summary>Standard Webhooks v1 signature.</summary>
    public static string Sign(Secret secret, string id, string timestamp, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var key = Convert.FromBase64String(secret.Reveal()["whsec_".Length..]);
        var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(body).ToArray();
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
    }
}
