namespace ChipAlerts.Core.Feeds;

/// <summary>
/// A per-feed failure of fetch or parse. <see cref="Code"/> is a stable, short identifier
/// (<c>timeout</c>, <c>too-large</c>, <c>dtd-refused</c>, …) that operators and tests can rely on.
/// </summary>
public sealed class FeedException(string code, string message, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(message, inner)
{
    public string Code { get; } = code;

    /// <summary>When the server asked us to come back later (429/503 with Retry-After).</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
