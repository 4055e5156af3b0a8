namespace ChipAlerts.Core.Delivery;

public enum DeliveryOutcome
{
    Delivered,
    RetryableFailure,
    PermanentFailure,

    /// <summary>Not sent at all (the destination's circuit is open): no attempt is counted; tried again after RetryAfter.</summary>
    Deferred,
}

/// <summary>What a channel says about one send. Channels classify their own failures, once, at the edge.</summary>
public sealed record DeliveryResult(DeliveryOutcome Outcome, string? Reason = null, TimeSpan? RetryAfter = null)
{
    /// <summary>A permanent failure that also means the destination is gone (a deleted chat webhook): it is disabled.</summary>
    public bool DestinationGone { get; init; }

    public static readonly DeliveryResult Delivered = new(DeliveryOutcome.Delivered);

    public static DeliveryResult Retry(string reason, TimeSpan? retryAfter = null) =>
        new(DeliveryOutcome.RetryableFailure, reason, retryAfter);

    public static DeliveryResult Permanent(string reason) => new(DeliveryOutcome.PermanentFailure, reason);

    public static DeliveryResult Gone(string reason) => new(DeliveryOutcome.PermanentFailure, reason) { DestinationGone = true };

    public static DeliveryResult Defer(string reason, TimeSpan retryAfter) => new(DeliveryOutcome.Deferred, reason, retryAfter);
}
