using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.State;
using Microsoft.Extensions.Options;

namespace ChipAlerts.Core.Feeds;

/// <summary>
/// Decides which feeds are due, and when a feed is next due after a poll: its interval after a success;
/// after failures, exponential backoff (or the server's Retry-After, if longer), so a failing feed is
/// retried later, never forgotten and never hammered.
/// </summary>
public sealed class FeedPlanner(IOptions<FetchOptions> options)
{
    private readonly FetchOptions options = options.Value;

    public IReadOnlyList<FeedConfig> Due(IEnumerable<FeedConfig> feeds, IReadOnlyDictionary<string, FeedState> states, DateTimeOffset now) =>
        [.. feeds.Where(f => !states.TryGetValue(f.Id, out var state) || state.NextPollAt is null || state.NextPollAt <= now)];

    public DateTimeOffset NextPollAfterSuccess(FeedConfig feed, DateTimeOffset now) =>
        now + (feed.Interval ?? TimeSpan.Zero);

    public DateTimeOffset NextPollAfterFailure(FeedConfig feed, int consecutiveFailures, TimeSpan? retryAfter, DateTimeOffset now)
    {
        var backoff = Backoff.Exponential(options.FailureBackoff, consecutiveFailures, options.MaxBackoff);
        var wait = new[] { backoff, feed.Interval ?? TimeSpan.Zero, retryAfter ?? TimeSpan.Zero }.Max();
        return now + wait;
    }
}
