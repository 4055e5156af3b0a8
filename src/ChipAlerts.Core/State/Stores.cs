using ChipAlerts.Core.Routing;

namespace ChipAlerts.Core.State;

// The seams between the pipeline and its state. Two real implementations: SQLite (embedded default)
// and Azure Table Storage (the Functions app).

public interface IFeedStateStore
{
    /// <summary>Where the state is kept, for messages (a file's path, an account's tables); never a secret.</summary>
    string Location { get; }

    Task<IReadOnlyDictionary<string, FeedState>> GetFeedStatesAsync(CancellationToken cancellationToken);

    /// <summary>Stores the state after a poll, which also releases the poller's lease.</summary>
    Task SaveFeedStateAsync(FeedState state, CancellationToken cancellationToken);

    /// <summary>
    /// Leases the feed for one poll until <paramref name="until"/>: a conditional write on the copy the
    /// plan read (<paramref name="seen"/>, or a feed with no stored state yet). Null when another poller
    /// leased or polled it since, or holds an unexpired lease: of N runners or instances on one store,
    /// one polls it. A poller that dies leaves a lease that expires.
    /// </summary>
    Task<FeedState?> TryLeaseAsync(FeedState seen, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken);
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
