using System.Collections.Concurrent;
using ChipAlerts.Core.State;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChipAlerts.Core.Delivery;

public sealed record DeliverySummary(int Delivered, int Retrying, int Failed);

/// <summary>What one delivery attempt came to: the channel's outcome, or nothing when another deliverer holds the alert.</summary>
public enum AttemptResult
{
    Delivered,
    Retrying,
    Failed,
    ClaimedElsewhere,
}

/// <summary>
/// Delivers what the outbox holds: takes due pending alerts, sends each through its channel (inside
/// <see cref="DeliveryResilience"/>), and records the outcome. A retryable failure stays pending with an
/// exponential delay (or the server's Retry-After, whichever is longer) until
/// <see cref="DeliveryOptions.MaxAttempts"/> attempts, then it is dead-lettered with its last error; a
/// permanent one is marked failed with its reason. Both can be replayed. Destinations are served
/// concurrently, each one's alerts in order: an alert waiting for a retry holds back the later ones of
/// its destination, so nothing overtakes it.
/// </summary>
public sealed partial class AlertDispatcher(
    IOutbox outbox,
    IOptOutStore optOuts,
    Routing.AlertRouter router,
    IEnumerable<IAlertChannel> channels,
    DeliveryResilience resilience,
    IOptions<DeliveryOptions> options,
    TimeProvider time,
    ILogger<AlertDispatcher> logger)
{
    private readonly Dictionary<string, IAlertChannel> channelsByType = channels.ToDictionary(c => c.Type, StringComparer.Ordinal);
    private readonly DeliveryOptions options = options.Value;

    public async Task<DeliverySummary> DeliverDueAsync(CancellationToken cancellationToken)
    {
        int delivered = 0, retrying = 0, failed = 0;
        var now = time.GetUtcNow();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken };
        IReadOnlyList<OutboxEntry> batch;
        // Every entry tried leaves the due set (delivered, failed, or pending with a later attempt), and one
        // left untried behind a failed one is held back by it (GetDueAsync), so this loop ends even when
        // every send fails.
        while ((batch = await outbox.GetDueAsync(now, options.BatchSize, cancellationToken)).Count > 0)
        {
            var stopped = await OptOutsAsync(cancellationToken);
            await Parallel.ForEachAsync(batch.GroupBy(e => e.Alert.Channel), parallel, async (destination, token) =>
            {
                foreach (var entry in destination)
                {
                    var result = await DeliverAsync(entry, stopped, token);
                    switch (result)
                    {
                        case AttemptResult.Delivered: Interlocked.Increment(ref delivered); break;
                        case AttemptResult.Retrying: Interlocked.Increment(ref retrying); break;
                        case AttemptResult.Failed: Interlocked.Increment(ref failed); break;
                        default: break; // another deliverer has it; its claim keeps it out of the due set
                    }

                    if (result is AttemptResult.Retrying or AttemptResult.ClaimedElsewhere)
                    {
                        break; // the rest of this destination waits its turn behind it
                    }
                }
            });
        }

        return new DeliverySummary(delivered, retrying, failed);
    }

    /// <summary>
    /// The digest pass: the pending digest alerts of each subscriber and channel whose digest is due (a time
    /// of their digestSchedule, in their time zone, has come since the oldest was made), or of every one
    /// when not <paramref name="dueOnly"/>; one message each. Alerts whose claim is lost to another
    /// deliverer are left to it; a failed digest keeps its alerts pending for the next pass.
    /// </summary>
    public async Task<DeliverySummary> SendDigestsAsync(bool dueOnly, CancellationToken cancellationToken)
    {
        int delivered = 0, retrying = 0, failed = 0;
        var now = time.GetUtcNow();
        var held = await outbox.GetDigestAsync(now, cancellationToken);
        var stopped = await OptOutsAsync(cancellationToken);
        foreach (var group in held.GroupBy(e => (e.Alert.SubscriberId, e.Alert.Channel)))
        {
            // A subscriber no longer configured has no schedule: what they had waiting goes now.
            if (dueOnly && router.ClockOf(group.Key.SubscriberId) is { } clock && !clock.DigestDue(group.Min(e => e.Alert.CreatedAt), now))
            {
                continue;
            }

            var claimed = new List<Routing.Alert>();
            foreach (var entry in group)
            {
                if (await outbox.TryClaimAsync(entry.Alert.AlertId, now, now + options.ClaimTimeout, cancellationToken))
                {
                    claimed.Add(entry.Alert);
                }
            }

            if (claimed.Count == 0)
            {
                continue;
            }

            var type = group.Key.Channel.Type;
            var result = await SendAsync(group.Key.SubscriberId, group.Key.Channel, stopped, channel => channel.SendDigestAsync(claimed, cancellationToken), cancellationToken);
            var attempts = group.ToDictionary(e => e.Alert.AlertId, e => e.Attempts + 1, StringComparer.Ordinal);
            foreach (var alert in claimed)
            {
                if (result.Outcome == DeliveryOutcome.Delivered)
                {
                    await outbox.MarkDeliveredAsync(alert.AlertId, time.GetUtcNow(), cancellationToken);
                }
                else if (result.Outcome == DeliveryOutcome.Deferred)
                {
                    await outbox.DeferAsync(alert.AlertId, time.GetUtcNow() + result.RetryAfter.GetValueOrDefault(), result.Reason ?? "deferred", cancellationToken);
                }
                else
                {
                    var (status, reason) = AfterFailure(result, attempts[alert.AlertId]);
                    await outbox.MarkFailedAsync(alert.AlertId, reason, time.GetUtcNow(), status, cancellationToken);
                }
            }

            switch (result.Outcome)
            {
                case DeliveryOutcome.Delivered: delivered += claimed.Count; break;
                case DeliveryOutcome.RetryableFailure or DeliveryOutcome.Deferred: retrying += claimed.Count; break;
                default: failed += claimed.Count; break;
            }

            LogDigest(Routing.Alert.DigestIdOf(claimed), type, claimed.Count, result.Outcome, result.Reason);
        }

        return new DeliverySummary(delivered, retrying, failed);
    }

    /// <summary>Delivers one alert by id (a host that fans alerts out); null when it is not pending.</summary>
    public async Task<AttemptResult?> DeliverAsync(string alertId, CancellationToken cancellationToken) =>
        await outbox.GetAsync(alertId, cancellationToken) is { Status: AlertStatus.Pending } entry
            ? await DeliverAsync(entry, cancellationToken)
            : null;

    /// <summary>Gives up on a pending alert (its queue message ran out of retries): failed, with the last error kept.</summary>
    public async Task DeadLetterAsync(string alertId, CancellationToken cancellationToken)
    {
        if (await outbox.GetAsync(alertId, cancellationToken) is { Status: AlertStatus.Pending } entry)
        {
            var reason = $"dead-lettered after {entry.Attempts} attempts: {entry.LastError ?? "no error recorded"}";
            await outbox.MarkFailedAsync(alertId, reason, time.GetUtcNow(), AlertStatus.Dead, cancellationToken);
            LogFailed(alertId, entry.Alert.Channel.Type, reason);
        }
    }

    /// <summary>Claims the alert, sends it through its channel, and records the outcome.</summary>
    public async Task<AttemptResult> DeliverAsync(OutboxEntry entry, CancellationToken cancellationToken) =>
        await DeliverAsync(entry, await OptOutsAsync(cancellationToken), cancellationToken);

    private async Task<AttemptResult> DeliverAsync(OutboxEntry entry, ConcurrentDictionary<string, OptOut> stopped, CancellationToken cancellationToken)
    {
        var alert = entry.Alert;
        var claimedAt = time.GetUtcNow();
        if (!await outbox.TryClaimAsync(alert.AlertId, claimedAt, claimedAt + options.ClaimTimeout, cancellationToken))
        {
            return AttemptResult.ClaimedElsewhere;
        }

        var result = await SendAsync(alert.SubscriberId, alert.Channel, stopped, channel => channel.SendAsync(alert, cancellationToken), cancellationToken);
        var now = time.GetUtcNow();
        switch (result.Outcome)
        {
            case DeliveryOutcome.Deferred:
                await outbox.DeferAsync(alert.AlertId, now + result.RetryAfter.GetValueOrDefault(), result.Reason ?? "deferred", cancellationToken);
                LogDeferred(alert.AlertId, alert.Channel.Type, result.Reason);
                return AttemptResult.Retrying;
            case DeliveryOutcome.Delivered:
                await outbox.MarkDeliveredAsync(alert.AlertId, now, cancellationToken);
                LogDelivered(alert.AlertId, alert.Channel.Type);
                return AttemptResult.Delivered;
            case DeliveryOutcome.RetryableFailure when entry.Attempts + 1 < options.MaxAttempts:
                var delay = RetryDelay(entry.Attempts + 1, result.RetryAfter);
                await outbox.MarkFailedAsync(alert.AlertId, result.Reason ?? "unknown", now + delay, AlertStatus.Pending, cancellationToken);
                LogRetrying(alert.AlertId, alert.Channel.Type, entry.Attempts + 1, delay, result.Reason);
                return AttemptResult.Retrying;
            default:
                var (status, reason) = AfterFailure(result, entry.Attempts + 1);
                await outbox.MarkFailedAsync(alert.AlertId, reason, now, status, cancellationToken);
                LogFailed(alert.AlertId, alert.Channel.Type, reason);
                return AttemptResult.Failed;
        }
    }

    /// <summary>What a failed attempt makes of an alert: pending again, failed for good, or dead once the attempts ran out.</summary>
    private (AlertStatus Status, string Reason) AfterFailure(DeliveryResult result, int attempts) => result.Outcome switch
    {
        DeliveryOutcome.PermanentFailure => (AlertStatus.Failed, result.Reason ?? "unknown"),
        _ when attempts >= options.MaxAttempts => (AlertStatus.Dead, $"dead-lettered after {attempts} attempt{(attempts == 1 ? "" : "s")}: {result.Reason ?? "unknown"}"),
        _ => (AlertStatus.Pending, result.Reason ?? "unknown"),
    };

    /// <summary>
    /// Through the channel of <paramref name="address"/>'s type, inside its destination's and endpoint's
    /// pipelines; not at all to a channel that opted out. A destination found gone is disabled.
    /// </summary>
    private async Task<DeliveryResult> SendAsync(
        string subscriberId, Routing.ChannelAddress address, ConcurrentDictionary<string, OptOut> stopped, Func<IAlertChannel, Task<DeliveryResult>> send, CancellationToken cancellationToken)
    {
        if (stopped.TryGetValue(OptOut.KeyOf(subscriberId, address), out var optOut))
        {
            return DeliveryResult.Permanent($"not sent: {optOut.Reason} ({optOut.At:yyyy-MM-dd HH:mm} UTC).");
        }

        if (!channelsByType.TryGetValue(address.Type, out var channel))
        {
            return DeliveryResult.Permanent($"no channel of type '{address.Type}' is registered.");
        }

        var result = await resilience.SendAsync(channel, address, _ => SendSafelyAsync(() => send(channel), cancellationToken), cancellationToken);
        if (result.DestinationGone)
        {
            var gone = new OptOut(subscriberId, address, result.Reason ?? "the destination is gone", time.GetUtcNow());
            stopped.TryAdd(gone.Key, gone); // the rest of this pass sends it nothing either
            if (await optOuts.AddOptOutAsync(gone, cancellationToken))
            {
                LogDisabled(subscriberId, address.Type, result.Reason);
            }
        }

        return result;
    }

    private async Task<ConcurrentDictionary<string, OptOut>> OptOutsAsync(CancellationToken cancellationToken) =>
        new((await optOuts.GetOptOutsAsync(cancellationToken)).Select(o => KeyValuePair.Create(o.Key, o)), StringComparer.Ordinal);

    private static async Task<DeliveryResult> SendSafelyAsync(Func<Task<DeliveryResult>> send, CancellationToken cancellationToken)
    {
        try
        {
            return await send();
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A channel should classify its own failures; an escaped exception is treated as transient.
            return DeliveryResult.Retry($"unexpected {e.GetType().Name}: {e.Message}");
        }
    }

    internal TimeSpan RetryDelay(int attempts, TimeSpan? retryAfter)
    {
        var backoff = Backoff.Exponential(options.RetryDelay, attempts, options.MaxRetryDelay);
        backoff += backoff * (options.RetryJitter * Random.Shared.NextDouble());
        var delay = retryAfter is { } asked && asked > backoff ? asked : backoff;
        return delay < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : delay;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered alert {AlertId} by {Channel}")]
    private partial void LogDelivered(string alertId, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {AlertId} by {Channel} failed (attempt {Attempt}), retrying in {Delay}: {Reason}")]
    private partial void LogRetrying(string alertId, string channel, int attempt, TimeSpan delay, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Disabled the {Channel} channel of subscriber {SubscriberId}: {Reason}")]
    private partial void LogDisabled(string subscriberId, string channel, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {AlertId} by {Channel} not tried: {Reason}")]
    private partial void LogDeferred(string alertId, string channel, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Digest {DigestId} of {Alerts} alerts by {Channel}: {Outcome} {Reason}")]
    private partial void LogDigest(string digestId, string channel, int alerts, DeliveryOutcome outcome, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert {AlertId} by {Channel} failed permanently: {Reason}")]
    private partial void LogFailed(string alertId, string channel, string? reason);
}
