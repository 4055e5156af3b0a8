using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Observability;
using ChipAlerts.Core.Pipeline;
using Microsoft.Extensions.Logging;

namespace ChipAlerts.Core.WebSub;

/// <summary>What to answer the hub, and the alerts a push stored (the host hands them to delivery).</summary>
public sealed record WebSubAnswer(int Status, string Body, IReadOnlyList<string> AlertIds)
{
    public static WebSubAnswer Of(int status, string body = "") => new(status, body, []);
}

/// <summary>
/// The callback the hubs call, host-agnostic: the Functions app's HTTP trigger and the local runner's listener
/// pass the request in and write the answer out. GET is the hub's verification of intent (§5.3) or denial (§5.2);
/// POST is content (§7), checked against the subscription's secret (X-Hub-Signature) and then read through the same
/// pipeline as a poll.
/// </summary>
public sealed partial class WebSubCallback(
    LoadedConfig config,
    IPushSubscriptionStore store,
    AlertPipeline pipeline,
    FeedFetcher fetcher,
    ChipAlertsMetrics metrics,
    TimeProvider time,
    ILogger<WebSubCallback> logger)
{
    /// <summary>The hub's GET: <c>hub.mode</c> subscribe or unsubscribe with <c>hub.challenge</c> (echoed when we asked for it), or denied.</summary>
    public async Task<WebSubAnswer> VerifyAsync(string token, Func<string, string?> query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (mode, topic, challenge) = (query("hub.mode"), query("hub.topic"), query("hub.challenge"));
        if (await store.GetPushSubscriptionByTokenAsync(token, cancellationToken) is not { } subscription || subscription.Topic != topic)
        {
            return WebSubAnswer.Of(404, "no such subscription");
        }

        var now = time.GetUtcNow();
        switch (mode)
        {
            case "subscribe" when challenge is not null && subscription.State is PushState.Requested or PushState.Active:
                if (!long.TryParse(query("hub.lease_seconds"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || seconds <= 0)
                {
                    return WebSubAnswer.Of(400, "hub.lease_seconds is required and must be a positive number of seconds");
                }

                var lease = now + TimeSpan.FromSeconds(Math.Min(seconds, (long)TimeSpan.FromDays(3650).TotalSeconds));
                if (await store.TrySavePushSubscriptionAsync(subscription with { State = PushState.Active, VerifiedAt = now, LeaseUntil = lease, Failures = 0, LastError = null, NextAttemptAt = null }, cancellationToken) is null)
                {
                    return WebSubAnswer.Of(409, "the subscription changed meanwhile; verify again");
                }

                LogVerified(subscription.FeedId, subscription.Hub, lease);
                return WebSubAnswer.Of(200, challenge);

            case "unsubscribe" when challenge is not null && subscription.State == PushState.Unsubscribing:
                await store.DeletePushSubscriptionAsync(subscription.FeedId, cancellationToken);
                return WebSubAnswer.Of(200, challenge);

            case "denied":
                var reason = Clip(query("hub.reason") ?? "no reason given");
                await store.TrySavePushSubscriptionAsync(subscription with
                {
                    State = PushState.Denied,
                    LastError = $"the hub denied the subscription: {reason}",
                    Failures = subscription.Failures + 1,
                    NextAttemptAt = now + TimeSpan.FromHours(6),
                }, cancellationToken);
                LogDenied(subscription.FeedId, subscription.Hub, reason);
                return WebSubAnswer.Of(200);

            default:
                // Not a request we made (or no longer want): §5.3 says answer 404.
                return WebSubAnswer.Of(404, "not a pending request of this subscriber");
        }
    }

    /// <summary>
    /// The hub's POST of new content. A body whose signature does not match the secret is ignored (and answered 2xx,
    /// as §7 allows, so it cannot be probed); a subscription we do not know is answered 410, so the hub drops it.
    /// </summary>
    public async Task<WebSubAnswer> ReceiveAsync(string token, string? signature, string? contentType, Stream body, CancellationToken cancellationToken)
    {
        if (await store.GetPushSubscriptionByTokenAsync(token, cancellationToken) is not { } subscription
            || config.Config.Feeds.FirstOrDefault(f => f.Id == subscription.FeedId) is not { } feed)
        {
            metrics.WebSubPush("unknown");
            return WebSubAnswer.Of(410, "no such subscription");
        }

        byte[] content;
        try
        {
            content = await fetcher.ReadCappedAsync(body, cancellationToken);
        }
        catch (FeedException e)
        {
            metrics.WebSubPush("too_large");
            return WebSubAnswer.Of(413, e.Message);
        }

        if (!SignatureMatches(signature, subscription.Secret, content))
        {
            metrics.WebSubPush("bad_signature");
            LogBadSignature(feed.Id, signature is null ? "none" : signature.Split('=')[0]);
            return WebSubAnswer.Of(202);
        }

        var charset = MediaTypeHeaderValue.TryParse(contentType, out var type) ? type.CharSet : null;
        try
        {
            var outcome = await pipeline.ReceivePushedAsync(feed, content, charset, new Uri(subscription.Topic), cancellationToken);
            metrics.WebSubPush("accepted");
            await store.TrySavePushSubscriptionAsync(subscription with { LastPushAt = time.GetUtcNow(), Pushes = subscription.Pushes + 1 }, cancellationToken);
            LogPushed(feed.Id, outcome.NewItems, outcome.NewAlertIds.Count);
            return new WebSubAnswer(200, "", outcome.NewAlertIds);
        }
        catch (FeedException e)
        {
            // The hub's copy is not a feed we can read; the next poll reads the publisher's own.
            metrics.WebSubPush("unreadable");
            LogUnreadable(feed.Id, e.Code, e.Message);
            return WebSubAnswer.Of(200);
        }
    }

    /// <summary>X-Hub-Signature: <c>method=hex</c>, HMAC of the body with the secret, sha1, sha256, sha384 or sha512 (§8); compared in constant time.</summary>
    public static bool SignatureMatches(string? header, string secret, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var equals = header?.IndexOf('=', StringComparison.Ordinal) ?? -1;
        if (equals <= 0)
        {
            return false;
        }

        var key = Encoding.UTF8.GetBytes(secret);
        byte[]? expected = header![..equals].Trim().ToLowerInvariant() switch
        {
#pragma warning disable CA5350 // WebSub §8 lists sha1, and long-running public hubs still sign with it; it is an HMAC, not a bare hash
            "sha1" => HMACSHA1.HashData(key, body),
#pragma warning restore CA5350
            "sha256" => HMACSHA256.HashData(key, body),
            "sha384" => HMACSHA384.HashData(key, body),
            "sha512" => HMACSHA512.HashData(key, body),
            _ => null,
        };
        byte[] given;
        try
        {
            given = Convert.FromHexString(header[(equals + 1)..].Trim());
        }
        catch (FormatException)
        {
            return false;
        }

        return expected is not null && CryptographicOperations.FixedTimeEquals(expected, given);
    }

    private static string Clip(string text) => text.Length <= 200 ? text : text[..200];

    [LoggerMessage(Level = LogLevel.Information, Message = "Feed {FeedId}: the hub {Hub} verified the subscription; pushed until {LeaseUntil}.")]
    private partial void LogVerified(string feedId, string hub, DateTimeOffset leaseUntil);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feed {FeedId}: the hub {Hub} denied the subscription ({Reason}); the feed is polled, and asked again later.")]
    private partial void LogDenied(string feedId, string hub, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feed {FeedId}: pushed content ignored, its X-Hub-Signature ({Method}) does not match the subscription's secret.")]
    private partial void LogBadSignature(string feedId, string method);

    [LoggerMessage(Level = LogLevel.Information, Message = "Feed {FeedId}: pushed content read, {NewItems} new item(s), {Alerts} alert(s) stored.")]
    private partial void LogPushed(string feedId, int newItems, int alerts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feed {FeedId}: pushed content could not be read ({Code}: {Error}); the next poll reads the feed itself.")]
    private partial void LogUnreadable(string feedId, string code, string error);
}
