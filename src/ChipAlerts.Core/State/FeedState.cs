namespace ChipAlerts.Core.State;

/// <summary>What we remember of a feed between polls: validators for conditional GET, and its health.</summary>
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
}
