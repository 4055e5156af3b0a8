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
}
