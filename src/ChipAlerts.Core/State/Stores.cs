using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Routing;

namespace ChipAlerts.Core.State;

// The seams between the pipeline and its state. Two real implementations: SQLite (embedded default)
// and Azure Table Storage (the Functions app).

public interface IFeedStateStore
{
    Task<IReadOnlyDictionary<string, FeedState>> GetFeedStatesAsync(CancellationToken cancellationToken);

    Task SaveFeedStateAsync(FeedState state, CancellationToken cancellationToken);
}

/// <summary>Remembers which items have been seen, by <see cref="FeedItem.Key"/>.</summary>
public interface IItemLedger
{
    /// <summary>
    /// The items of the list that have not been seen before, in their order: neither their key, nor (when
    /// they have one) their fingerprint among the items of their feed first seen within
    /// <paramref name="fingerprintWindow"/> before <paramref name="now"/> (a zero window: keys only). An item known only by its fingerprint (a rotated guid) is
    /// recorded under its new key at once, so the window slides for as long as the publisher keeps it.
    /// </summary>
    Task<IReadOnlyList<FeedItem>> FilterNewAsync(IReadOnlyList<FeedItem> items, DateTimeOffset now, TimeSpan fingerprintWindow, CancellationToken cancellationToken);

    Task MarkSeenAsync(IReadOnlyList<FeedItem> items, DateTimeOffset seenAt, CancellationToken cancellationToken);

    /// <summary>The items first seen at or after <paramref name="since"/>, newest first, at most <paramref name="max"/>: what `chipalerts preview` runs a list over.</summary>
    Task<IReadOnlyList<FeedItem>> GetRecentAsync(DateTimeOffset since, int max, CancellationToken cancellationToken);
}

public enum AlertStatus
{
    /// <summary>Waiting for its first or next attempt.</summary>
    Pending,
    Delivered,

    /// <summary>Failed for good: the receiver refused it (SMTP 5xx, HTTP 4xx). Replayable once the cause is fixed.</summary>
    Failed,

    /// <summary>Dead-lettered: every attempt failed in a way worth retrying, and the attempts ran out. Replayable.</summary>
    Dead,
}

/// <summary>An alert in the outbox, with its delivery state.</summary>
public sealed record OutboxEntry
{
    public required Alert Alert { get; init; }
    public required AlertStatus Status { get; init; }
    public int Attempts { get; init; }
    public string? LastError { get; init; }

    /// <summary>When a pending alert is next tried.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }
}

public sealed record OutboxCounts(int Pending, int Delivered, int Failed, int Dead = 0);

/// <summary>
/// Durable alerts. <see cref="AddAsync"/> ignores an AlertId it already holds, whatever its state,
/// so deriving the same alert twice never sends it twice; <see cref="TryClaimAsync"/> lets one
/// deliverer at a time send an alert, so two hosts working one outbox never both send it.
/// </summary>
public interface IOutbox
{
    /// <summary>Stores the alerts it does not hold yet; returns the ids of those it stored.</summary>
    Task<IReadOnlyList<string>> AddAsync(IReadOnlyList<Alert> alerts, CancellationToken cancellationToken);

    /// <summary>One alert with its delivery state, or null when the outbox does not hold it.</summary>
    Task<OutboxEntry?> GetAsync(string alertId, CancellationToken cancellationToken);

    /// <summary>Pending digest alerts that no deliverer holds a claim on, oldest first.</summary>
    Task<IReadOnlyList<OutboxEntry>> GetDigestAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Pending immediate (not digest) alerts whose next attempt is due and that no deliverer holds a claim on,
    /// oldest first; but none that would overtake an older pending alert of the same channel address which is
    /// waiting for a retry or is claimed. A destination gets its alerts in the order they were made.
    /// </summary>
    Task<IReadOnlyList<OutboxEntry>> GetDueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken);

    /// <summary>
    /// Claims a pending alert for sending until <paramref name="until"/>. False when it is no longer
    /// pending or another deliverer's claim has not expired at <paramref name="now"/>. A claim of a
    /// deliverer that died expires, and the alert is sent by the next one.
    /// </summary>
    Task<bool> TryClaimAsync(string alertId, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>Records the send and releases the claim.</summary>
    Task MarkDeliveredAsync(string alertId, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// Records a failed attempt and releases the claim. <paramref name="status"/> is what the alert becomes:
    /// <see cref="AlertStatus.Pending"/> (tried again at <paramref name="nextAttemptAt"/>), <see cref="AlertStatus.Failed"/>
    /// or <see cref="AlertStatus.Dead"/>.
    /// </summary>
    Task MarkFailedAsync(string alertId, string error, DateTimeOffset nextAttemptAt, AlertStatus status, CancellationToken cancellationToken);

    /// <summary>
    /// Puts a claimed alert back, pending until <paramref name="until"/>, without counting an attempt: it was
    /// never sent (its destination's circuit was open). <paramref name="reason"/> is kept as its last error.
    /// </summary>
    Task DeferAsync(string alertId, DateTimeOffset until, string reason, CancellationToken cancellationToken);

    /// <summary>The alerts in <paramref name="status"/> (all when null), oldest first, at most <paramref name="max"/>: what `chipalerts deliveries list` shows.</summary>
    Task<IReadOnlyList<OutboxEntry>> ListAsync(AlertStatus? status, int max, CancellationToken cancellationToken);

    /// <summary>Makes a failed or dead alert pending again, due at <paramref name="now"/> with its attempts reset; false when it is neither.</summary>
    Task<bool> ReplayAsync(string alertId, DateTimeOffset now, CancellationToken cancellationToken);

    Task<OutboxCounts> CountAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A subscriber's channel that gets nothing more: the recipient unsubscribed, or the destination is gone
/// (a deleted chat webhook). Alerts for it are not made, and those already made are not sent.
/// </summary>
public sealed record OptOut(string SubscriberId, ChannelAddress Channel, string Reason, DateTimeOffset At)
{
    public string Key => KeyOf(SubscriberId, Channel);

    public static string KeyOf(string subscriberId, ChannelAddress channel) => $"{subscriberId}\n{channel}";
}

public interface IOptOutStore
{
    /// <summary>Records the opt-out; false when that channel had already opted out (the first reason stays).</summary>
    Task<bool> AddOptOutAsync(OptOut optOut, CancellationToken cancellationToken);

    /// <summary>Removes it (the operator re-enables a channel); false when there was none.</summary>
    Task<bool> RemoveOptOutAsync(string subscriberId, ChannelAddress channel, CancellationToken cancellationToken);

    Task<IReadOnlyList<OptOut>> GetOptOutsAsync(CancellationToken cancellationToken);
}
