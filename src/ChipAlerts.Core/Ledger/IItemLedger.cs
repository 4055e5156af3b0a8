using ChipAlerts.Core.Feeds;

namespace ChipAlerts.Core.Ledger;

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
