namespace ChipAlerts.Core.State;

/// <summary>What we remember of a feed between polls: validators for conditional GET, how it publishes, and its health.</summary>
public sealed record FeedState
{
    public required string FeedId { get; init; }
    public string? ETag { get; init; }
    public string? LastModified { get; init; }
    public DateTimeOffset? LastPolledAt { get; init; }
    public DateTimeOffset? NextPollAt { get; init; }
    public DateTimeOffset? LastSuccessAt { get; init; }
    public string? LastErrorCode { get; init; }
    public string? LastError { get; init; }
    public int ConsecutiveFailures { get; init; }
    public long ItemsSeen { get; init; }

    /// <summary>The configured url that answered 301/308, and where it moved: polled instead while the configuration still says <see cref="MovedFrom"/>.</summary>
    public string? MovedFrom { get; init; }

    public string? MovedTo { get; init; }

    /// <summary>The url that answered 410 Gone: the feed is not polled while the configuration still says it.</summary>
    public string? GoneUrl { get; init; }

    /// <summary>The publisher's own floor on the interval: RSS <c>&lt;ttl&gt;</c> or <c>Cache-Control: max-age</c>, whichever is longer.</summary>
    public TimeSpan? MinInterval { get; init; }

    /// <summary>The average time between the feed's items, from their dates in the last document read.</summary>
    public TimeSpan? AverageGap { get; init; }

    /// <summary>The newest item's date (or, for undated items, when we first saw it).</summary>
    public DateTimeOffset? LastPublishedAt { get; init; }

    /// <summary>The end of the wait the publisher asked for with Retry-After (429, 503); even `once` keeps it.</summary>
    public DateTimeOffset? RetryAfterUntil { get; init; }

    /// <summary>The operator has been told about the current run of failures (and will be told when it ends).</summary>
    public bool FailureReported { get; init; }

    /// <summary>The WebSub hub the feed announced when last read (HTTP Link header, else the document), and the topic URL to subscribe to.</summary>
    public string? Hub { get; init; }

    public string? Topic { get; init; }

    /// <summary>Until when a poller holds the feed (see <see cref="IFeedStateStore.TryLeaseAsync"/>); null when none does.</summary>
    public DateTimeOffset? LeaseUntil { get; init; }

    /// <summary>The store's concurrency token of the copy this was read from; null for a feed never stored.</summary>
    public string? Version { get; init; }

    /// <summary>Items per day at <see cref="AverageGap"/>.</summary>
    public double? ItemsPerDay => AverageGap is { Ticks: > 0 } gap ? TimeSpan.FromDays(1) / gap : null;
}
