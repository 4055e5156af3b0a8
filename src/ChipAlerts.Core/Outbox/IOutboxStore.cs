namespace ChipAlerts.Core.Outbox;

/// <summary>
/// Persistence of the outbox, and nothing more: records and conditional writes. Two adapters, SQLite and
/// Azure Table Storage, proven by one contract suite; every rule about when and what lives in
/// <see cref="AlertOutbox"/>.
/// </summary>
public interface IOutboxStore
{
    /// <summary>Stores the records whose AlertId it does not hold yet, in whatever state; returns the ids it stored.</summary>
    Task<IReadOnlyList<string>> InsertAsync(IReadOnlyList<OutboxRecord> records, CancellationToken cancellationToken);

    /// <summary>One record, or null when the store does not hold it.</summary>
    Task<OutboxRecord?> GetAsync(string alertId, CancellationToken cancellationToken);

    /// <summary>
    /// Writes <paramref name="next"/> if the stored copy is still <paramref name="current"/> (its
    /// <see cref="OutboxRecord.Version"/>); returns <paramref name="next"/> with its new version, or null
    /// when another writer changed it first.
    /// </summary>
    Task<OutboxRecord?> TryUpdateAsync(OutboxRecord current, OutboxRecord next, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="TryUpdateAsync"/> of several alerts at once (one alert's outcome with the claim of the next in its lane,
    /// a digest's alerts): each conditional on its own copy and won or lost alone, the results in the order given.
    /// SQLite makes them in one transaction, Table Storage side by side.
    /// </summary>
    Task<IReadOnlyList<OutboxRecord?>> TryUpdateEachAsync(IReadOnlyList<(OutboxRecord Current, OutboxRecord Next)> updates, CancellationToken cancellationToken);

    /// <summary>
    /// The active alerts, from an index that holds only them (never a scan of the delivered history):
    /// of one lane, or of all when <paramref name="lane"/> is null; each lane's oldest first.
    /// </summary>
    IAsyncEnumerable<ActiveAlert> ActiveAsync(string? lane, CancellationToken cancellationToken);

    /// <summary>The record behind an index entry; null when it is no longer active (the store then drops a stale entry).</summary>
    Task<OutboxRecord?> ReadActiveAsync(ActiveAlert active, CancellationToken cancellationToken);

    /// <summary>The records in <paramref name="state"/> (all when null), oldest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<OutboxRecord>> ListAsync(AlertState? state, int max, CancellationToken cancellationToken);

    Task<OutboxCounts> CountAsync(CancellationToken cancellationToken);
}
