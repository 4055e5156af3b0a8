using System.Security.Cryptography;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.State;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChipAlerts.Core.WebSub;

/// <summary>What one pass over the subscriptions did.</summary>
public sealed record WebSubPass(int Requested, int Renewed, int Unsubscribed, int Failed)
{
    public static readonly WebSubPass None = new(0, 0, 0, 0);
}

/// <summary>
/// The subscriber side of WebSub (W3C Recommendation, §5): subscribes each feed that announces a hub, with a
/// callback of its own and a fresh secret, renews before the lease ends, asks again after a backoff when the hub
/// refuses, does not verify or denies, and unsubscribes feeds that are removed or no longer announce the hub.
/// Both hosts run <see cref="MaintainAsync"/> after their poll cycle; <see cref="PollNotBeforeAsync"/> tells the
/// plan which feeds are pushed, so they are polled only as a safety net.
/// </summary>
public sealed partial class WebSubSubscriber(
    LoadedConfig config,
    IPushSubscriptionStore store,
    IHttpClientFactory httpClients,
    IOptions<WebSubOptions> options,
    IOptions<FetchOptions> fetchOptions,
    TimeProvider time,
    ILogger<WebSubSubscriber> logger)
{
    private readonly WebSubOptions options = options.Value;

    public bool Enabled => options.Enabled;

    /// <summary>The callback URL of a subscription: the configured base and the subscription's token.</summary>
    public Uri CallbackOf(string token) => new($"{options.CallbackUrl!.TrimEnd('/')}/{token}");

    /// <summary>Feeds a hub pushes now, each with when its safety-net poll is due. Empty when WebSub is off.</summary>
    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> PollNotBeforeAsync(IReadOnlyDictionary<string, FeedState> states, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(states);
        if (!Enabled)
        {
            return new Dictionary<string, DateTimeOffset>();
        }

        var now = time.GetUtcNow();
        return (await store.GetPushSubscriptionsAsync(cancellationToken))
            .Where(s => s.IsActiveAt(now) && states.GetValueOrDefault(s.FeedId)?.LastPolledAt is not null)
            .ToDictionary(s => s.FeedId, s => states[s.FeedId].LastPolledAt!.Value + options.PollIntervalWhilePushed, StringComparer.Ordinal);
    }

    /// <summary>Brings every subscription where the feeds' states say it should be; one request per feed at most. Never throws for a hub's failure.</summary>
    public async Task<WebSubPass> MaintainAsync(IReadOnlyDictionary<string, FeedState> states, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(states);
        if (!Enabled)
        {
            return WebSubPass.None;
        }

        var subscriptions = (await store.GetPushSubscriptionsAsync(cancellationToken)).ToDictionary(s => s.FeedId, StringComparer.Ordinal);
        int requested = 0, renewed = 0, unsubscribed = 0, failed = 0;
        var configured = config.Config.Feeds.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var feedId in configured)
        {
            var state = states.GetValueOrDefault(feedId);
            var current = subscriptions.GetValueOrDefault(feedId);
            if (state is not { Hub: { } hub, Topic: { } topic })
            {
                continue;
            }

            if (current is not null && (current.Hub != hub || current.Topic != topic))
            {
                // The feed moved to another hub or topic: leave the old one (it is told 410 if it pushes again).
                await UnsubscribeAsync(current, cancellationToken);
                await store.DeletePushSubscriptionAsync(feedId, cancellationToken);
                unsubscribed++;
                current = null;
            }

            var outcome = await StepAsync(feedId, hub, topic, current, cancellationToken);
            requested += outcome == Step.Requested ? 1 : 0;
            renewed += outcome == Step.Renewed ? 1 : 0;
            failed += outcome == Step.Failed ? 1 : 0;
        }

        // Feeds removed from the configuration, or no longer announcing a hub: unsubscribe, then forget.
        foreach (var subscription in subscriptions.Values.Where(s => !configured.Contains(s.FeedId) || states.GetValueOrDefault(s.FeedId)?.Hub is null))
        {
            var now = time.GetUtcNow();
            if (subscription.State != PushState.Unsubscribing)
            {
                // Stored first: the hub may verify before its answer to the request reaches us.
                if (await store.TrySavePushSubscriptionAsync(subscription with { State = PushState.Unsubscribing, RequestedAt = now }, cancellationToken) is not { } leaving)
                {
                    continue; // another runner changed it meanwhile
                }

                if (!await UnsubscribeAsync(leaving, cancellationToken))
                {
                    await store.DeletePushSubscriptionAsync(subscription.FeedId, cancellationToken);
                }

                unsubscribed++;
            }
            else if (subscription.RequestedAt + options.VerifyTimeout <= now)
            {
                await store.DeletePushSubscriptionAsync(subscription.FeedId, cancellationToken);
            }
        }

        return new WebSubPass(requested, renewed, unsubscribed, failed);
    }

    private enum Step
    {
        None,
        Requested,
        Renewed,
        Failed,
    }

    private async Task<Step> StepAsync(string feedId, string hub, string topic, PushSubscription? current, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        switch (current)
        {
            case null:
                var fresh = new PushSubscription
                {
                    FeedId = feedId,
                    Hub = hub,
                    Topic = topic,
                    Token = NewToken(16),
                    Secret = NewToken(32),
                    State = PushState.Requested,
                    RequestedAt = now,
                };
                return await RequestAsync(fresh, isNew: true, cancellationToken) ? Step.Requested : Step.Failed;

            case { State: PushState.Requested } when current.RequestedAt + options.VerifyTimeout <= now:
                await FailAsync(current, $"the hub accepted the request but did not verify it within {options.VerifyTimeout} (ChipAlerts:WebSub:VerifyTimeout); is {options.CallbackUrl} reachable from the hub?", cancellationToken);
                return Step.Failed;

            case { State: PushState.Failed or PushState.Denied or PushState.Unsubscribing } when !(current.NextAttemptAt > now):
                return await RequestAsync(current with { State = PushState.Requested, RequestedAt = now }, isNew: false, cancellationToken) ? Step.Requested : Step.Failed;

            case { State: PushState.Active } when !current.IsActiveAt(now):
                // Not renewed in time: polled on the feed's own interval again from now on, and asked again.
                LogLeaseLapsed(feedId, current.LeaseUntil);
                return await RequestAsync(current with { State = PushState.Requested, RequestedAt = now }, isNew: false, cancellationToken) ? Step.Requested : Step.Failed;

            case { State: PushState.Active } when RenewalDue(current, now):
                // Still active while the renewal waits for its verification; the lease it has holds until then.
                return await RequestAsync(current with { RequestedAt = now }, isNew: false, cancellationToken) ? Step.Renewed : Step.Failed;

            default:
                return Step.None;
        }
    }

    private bool RenewalDue(PushSubscription active, DateTimeOffset now)
    {
        var lease = active.LeaseUntil!.Value - (active.VerifiedAt ?? now);
        var ahead = lease < options.RenewBefore * 2 ? lease / 2 : options.RenewBefore;
        var waitingForVerification = active.RequestedAt > active.VerifiedAt && active.RequestedAt + options.VerifyTimeout > now;
        return active.LeaseUntil - ahead <= now && !waitingForVerification && !(active.NextAttemptAt > now);
    }

    /// <summary>Stores the request first (the hub may verify before its answer reaches us), then sends it; a refusal is stored as a failure.</summary>
    private async Task<bool> RequestAsync(PushSubscription subscription, bool isNew, CancellationToken cancellationToken)
    {
        if (await store.TrySavePushSubscriptionAsync(isNew ? subscription with { Version = null } : subscription, cancellationToken) is not { } saved)
        {
            return true; // another runner got there first; it sends the request
        }

        if (await SendAsync("subscribe", saved, cancellationToken) is { } error)
        {
            await FailAsync(saved, error, cancellationToken);
            return false;
        }

        LogRequested(saved.FeedId, saved.Hub, saved.Topic);
        return true;
    }

    private async Task FailAsync(PushSubscription subscription, string error, CancellationToken cancellationToken)
    {
        var failures = subscription.Failures + 1;
        var now = time.GetUtcNow();
        var wait = Backoff.Exponential(options.FailureBackoff, failures, options.MaxBackoff);
        // An active lease still holds: the hub may go on pushing until it ends, and the renewal is retried meanwhile.
        var state = subscription.IsActiveAt(now) ? PushState.Active : PushState.Failed;
        await store.TrySavePushSubscriptionAsync(subscription with { State = state, Failures = failures, LastError = error, NextAttemptAt = now + wait }, cancellationToken);
        LogFailed(subscription.FeedId, subscription.Hub, error, wait);
    }

    /// <summary>Asks the hub to stop; false when it could not be asked (it is then forgotten at once).</summary>
    private async Task<bool> UnsubscribeAsync(PushSubscription subscription, CancellationToken cancellationToken)
    {
        if (await SendAsync("unsubscribe", subscription, cancellationToken) is { } error)
        {
            LogFailed(subscription.FeedId, subscription.Hub, error, TimeSpan.Zero);
            return false;
        }

        return true;
    }

    /// <summary>One request to the hub (§5.1): null when it accepted (2xx), else what it said, on one line and short. The secret never appears.</summary>
    private async Task<string?> SendAsync(string mode, PushSubscription subscription, CancellationToken cancellationToken)
    {
        var form = new Dictionary<string, string>
        {
            ["hub.callback"] = CallbackOf(subscription.Token).AbsoluteUri,
            ["hub.mode"] = mode,
            ["hub.topic"] = subscription.Topic,
        };
        if (mode == "subscribe")
        {
            form["hub.lease_seconds"] = ((long)options.LeaseDuration.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            form["hub.secret"] = subscription.Secret;
        }

        using var deadline = new CancellationTokenSource(fetchOptions.Value.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            // The feeds' client: the hub comes from a feed, so the same network guard applies.
            using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Hub) { Content = new FormUrlEncodedContent(form) };
            request.Headers.UserAgent.ParseAdd(fetchOptions.Value.UserAgent);
            using var response = await httpClients.CreateClient(FeedFetcher.HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            if (response.IsSuccessStatusCode)
            {
                return null;
            }

            var text = await ReadSomeAsync(response, linked.Token);
            return $"the hub answered {(int)response.StatusCode} {response.ReasonPhrase} to {mode}{(text.Length > 0 ? $": {text}" : "")}";
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return $"the hub did not answer the {mode} request within {fetchOptions.Value.Timeout.TotalSeconds:0.###} s";
        }
        catch (HttpRequestException e)
        {
            return $"the hub could not be reached for {mode}: {e.Message}";
        }
    }

    /// <summary>The first 200 characters of an error body, control characters as spaces: it is the hub's text, shown to an operator.</summary>
    private static async Task<string> ReadSomeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var buffer = new char[200];
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        var read = await reader.ReadBlockAsync(buffer, cancellationToken);
        return string.Create(read, buffer, (span, source) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? ' ' : source[i];
            }
        }).Trim();
    }

    private static string NewToken(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    [LoggerMessage(Level = LogLevel.Information, Message = "Feed {FeedId}: asked the hub {Hub} to push {Topic}.")]
    private partial void LogRequested(string feedId, string hub, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feed {FeedId}: the WebSub hub {Hub} failed: {Error}. The feed is polled meanwhile; asked again in {Wait}.")]
    private partial void LogFailed(string feedId, string hub, string error, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feed {FeedId}: the hub's lease ended at {LeaseUntil} without a renewal; polled on its own interval again, and asked again.")]
    private partial void LogLeaseLapsed(string feedId, DateTimeOffset? leaseUntil);
}
