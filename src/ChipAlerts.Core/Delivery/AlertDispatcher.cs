using ChipAlerts.Core.State;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChipAlerts.Core.Delivery;

public sealed record DeliverySummary(int Delivered, int Retrying, int Failed);

/// <summary>
/// Delivers what the outbox holds: takes due pending alerts, sends each through its channel, and records
/// the outcome. A retryable failure stays pending with an exponential delay (or the server's Retry-After,
/// whichever is longer); a permanent one is marked failed with its reason. This is the one place that
/// owns retries.
/// </summary>
public sealed partial class AlertDispatcher(
    IOutbox outbox,
    IEnumerable<IAlertChannel> channels,
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
        IReadOnlyList<OutboxEntry> batch;
        // Every entry handled leaves the due set (delivered, failed, or pending with a later attempt),
        // so this loop ends even when every send fails.
        while ((batch = await outbox.GetDueAsync(now, options.BatchSize, cancellationToken)).Count > 0)
        {
            foreach (var entry in batch)
            {
                switch (await DeliverAsync(entry, cancellationToken))
                {
                    case DeliveryOutcome.Delivered: delivered++; break;
                    case DeliveryOutcome.RetryableFailure: retrying++; break;
                    default: failed++; break;
                }
            }
        }

        return new DeliverySummary(delivered, retrying, failed);
    }

    public async Task<DeliveryOutcome> DeliverAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        var alert = entry.Alert;
        var result = await SendAsync(alert, cancellationToken);
        var now = time.GetUtcNow();
        switch (result.Outcome)
        {
            case DeliveryOutcome.Delivered:
                await outbox.MarkDeliveredAsync(alert.AlertId, now, cancellationToken);
                LogDelivered(alert.AlertId, alert.Channel.Type);
                break;
            case DeliveryOutcome.RetryableFailure:
                var delay = RetryDelay(entry.Attempts + 1, result.RetryAfter);
                await outbox.MarkFailedAsync(alert.AlertId, result.Reason ?? "unknown", now + delay, permanent: false, cancellationToken);
                LogRetrying(alert.AlertId, alert.Channel.Type, entry.Attempts + 1, delay, result.Reason);
                break;
            default:
                await outbox.MarkFailedAsync(alert.AlertId, result.Reason ?? "unknown", now, permanent: true, cancellationToken);
                LogFailed(alert.AlertId, alert.Channel.Type, result.Reason);
                break;
        }

        return result.Outcome;
    }

    private async Task<DeliveryResult> SendAsync(Routing.Alert alert, CancellationToken cancellationToken)
    {
        if (!channelsByType.TryGetValue(alert.Channel.Type, out var channel))
        {
            return DeliveryResult.Permanent($"no channel of type '{alert.Channel.Type}' is registered.");
        }

        try
        {
            return await channel.SendAsync(alert, cancellationToken);
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
        var delay = retryAfter is { } asked && asked > backoff ? asked : backoff;
        return delay < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : delay;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered alert {AlertId} by {Channel}")]
    private partial void LogDelivered(string alertId, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {AlertId} by {Channel} failed (attempt {Attempt}), retrying in {Delay}: {Reason}")]
    private partial void LogRetrying(string alertId, string channel, int attempt, TimeSpan delay, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert {AlertId} by {Channel} failed permanently: {Reason}")]
    private partial void LogFailed(string alertId, string channel, string? reason);
}
