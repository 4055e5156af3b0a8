using ChipAlerts.Core.Routing;

namespace ChipAlerts.Core.Outbox;

/// <summary>
/// Where an alert is in its life. The only state type: every transition between these is made by
/// <see cref="AlertOutbox"/>; a store only keeps what it is given.
/// </summary>
public enum AlertState
{
    /// <summary>Waiting for its first or next attempt, due at <see cref="OutboxRecord.DueAt"/>.</summary>
    Pending,

    /// <summary>A deliverer is sending it; its claim runs until <see cref="OutboxRecord.DueAt"/>, after which another may.</summary>
    Claimed,

    Delivered,

    /// <summary>Failed for good: the receiver refused it (SMTP 5xx, HTTP 4xx). Replayable once the cause is fixed.</summary>
    Failed,

    /// <summary>Dead-lettered: every attempt failed in a way worth retrying, and the attempts ran out. Replayable.</summary>
    Dead,
}

/// <summary>An alert in the outbox with its delivery state, as stored.</summary>
public sealed record OutboxRecord
{
    public required Alert Alert { get; init; }
    public required AlertState State { get; init; }

    /// <summary>Pending: when it may next be tried. Claimed: when the claim expires.</summary>
    public required DateTimeOffset DueAt { get; init; }

    public int Attempts { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? DeliveredAt { get; init; }

    /// <summary>The store's concurrency token of the copy this was read from; null before it is stored.</summary>
    public string? Version { get; init; }

    public string AlertId => Alert.AlertId;

    /// <summary>The sequence this alert is delivered in, oldest first: its channel address, or for a digest its subscriber's digest on that channel.</summary>
    public string Lane => LaneOf(Alert);

    public bool IsActive => State is AlertState.Pending or AlertState.Claimed;

    public static string LaneOf(Alert alert) =>
        alert.Digest ? $"digest\n{alert.SubscriberId}\n{alert.Channel}" : alert.Channel.ToString();
}

/// <summary>
/// An active (pending or claimed) alert as a store's index knows it: enough to order and plan a pass.
/// <see cref="DueAt"/> is never later than the record's own, so an alert the index says is not due is not.
/// </summary>
public sealed record ActiveAlert(string AlertId, string Lane, bool Digest, DateTimeOffset CreatedAt, DateTimeOffset DueAt)
{
    /// <summary>The store's concurrency token of the index entry, where the index is separate from the records.</summary>
    public string? IndexVersion { get; init; }
}

public sealed record OutboxCounts(int Pending, int Delivered, int Failed, int Dead = 0);
