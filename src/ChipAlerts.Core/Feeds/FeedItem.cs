namespace ChipAlerts.Core.Feeds;

/// <summary>One normalised item of a feed: plain text, UTC time, a stable ledger key.</summary>
public sealed record FeedItem
{
    public required string FeedId { get; init; }

    /// <summary>Stable identity: guid, else canonical link, else content hash (see <see cref="ItemKeys"/>).</summary>
    public required string Key { get; init; }

    public required string Title { get; init; }
    public required string Summary { get; init; }
    public string? Link { get; init; }
    public DateTimeOffset? Published { get; init; }

    /// <summary>
    /// The second key: a hash of the feed and the item's text (<see cref="ItemKeys.Fingerprint"/>). A publisher
    /// that gives the same item a new guid on every poll is caught by it; null where there is no feed.
    /// </summary>
    public string? Fingerprint { get; init; }

    /// <summary>The date text the feed gave that could not be read; <see cref="Published"/> is then when we first saw the item.</summary>
    public string? UnreadableDate { get; init; }
}
