using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.State;
using Microsoft.Extensions.Options;

namespace ChipAlerts.Core.Feeds;

/// <summary>
/// Decides which feeds are due, and when a feed is next due after a poll. After a success: the longest of
/// the configured interval, the publisher's floor (<c>&lt;ttl&gt;</c>, <c>Cache-Control: max-age</c>) and an
/// interval adapted to how often the feed publishes. After failures: exponential backoff up to a ceiling,
/// or the server's Retry-After if longer. Every wait gets a little random jitter, so feeds configured
/// alike do not all hit their servers in the same second. A failing feed is retried later, never
/// forgotten and never hammered; a feed that answered 410 Gone is not polled until its url changes.
/// </summary>
public sealed class FeedPlanner(IOptions<FetchOptions> options, RandomSource random)
{
    /// <summary>The most a publisher's floor (ttl, max-age) can hold a feed back: a CDN that says max-age=31536000 does not stop polling for a year.</summary>
    public static readonly TimeSpan PublisherFloorCeiling = TimeSpan.FromDays(1);

    private readonly FetchOptions options = options.Value;

    /// <summary>
    /// The feeds due now. <paramref name="notBefore"/>: feeds a hub pushes (WebSub), with the time their safety-net poll is
    /// due; until then they are not polled whatever their own interval says.
    /// </summary>
    public IReadOnlyList<FeedConfig> Due(IEnumerable<FeedConfig> feeds, IReadOnlyDictionary<string, FeedState> states, DateTimeOffset now, IReadOnlyDictionary<string, DateTimeOffset>? notBefore = null) =>
        [.. feeds.Where(f => !states.TryGetValue(f.Id, out var state)
            || (!IsGone(f, state) && (state.NextPollAt is null || state.NextPollAt <= now) && !(notBefore?.GetValueOrDefault(f.Id) > now)))];

    /// <summary>
    /// Every feed the publisher has not asked us to leave: all but those gone (410) at their configured url and
    /// those whose Retry-After has not run out. What `once` polls, whatever the schedule says: a cron user runs it
    /// every few minutes, and it must keep the publisher's wishes as the scheduler does.
    /// </summary>
    public IReadOnlyList<FeedConfig> Allowed(IEnumerable<FeedConfig> feeds, IReadOnlyDictionary<string, FeedState> states, DateTimeOffset now) =>
        [.. feeds.Where(f => !states.TryGetValue(f.Id, out var state) || (!IsGone(f, state) && !(state.RetryAfterUntil > now)))];

    /// <summary>The feed answered 410 Gone at the url the configuration still gives.</summary>
    public static bool IsGone(FeedConfig feed, FeedState state) => state.GoneUrl is not null && state.GoneUrl == feed.Url;

    /// <summary>The wait after a success, before jitter.</summary>
    public TimeSpan IntervalAfterSuccess(FeedConfig feed, FeedState state)
    {
        var adaptive = state.AverageGap is { } gap
            ? TimeSpan.FromTicks(Math.Clamp(gap.Ticks / 2, options.AdaptiveMinInterval.Ticks, options.AdaptiveMaxInterval.Ticks))
            : TimeSpan.Zero;
        var publisherFloor = TimeSpan.FromTicks(Math.Min((state.MinInterval ?? TimeSpan.Zero).Ticks, PublisherFloorCeiling.Ticks));
        return new[] { feed.Interval ?? TimeSpan.Zero, publisherFloor, adaptive }.Max();
    }

    public DateTimeOffset NextPollAfterSuccess(FeedConfig feed, FeedState state, DateTimeOffset now) =>
        now + Jittered(IntervalAfterSuccess(feed, state));

    public DateTimeOffset NextPollAfterFailure(FeedConfig feed, int consecutiveFailures, TimeSpan? retryAfter, DateTimeOffset now)
    {
        var backoff = Backoff.Exponential(options.FailureBackoff, consecutiveFailures, options.MaxBackoff);
        var wait = new[] { backoff, feed.Interval ?? TimeSpan.Zero, retryAfter ?? TimeSpan.Zero }.Max();
        return now + Jittered(wait);
    }

    /// <summary>Up to <see cref="FetchOptions.Jitter"/> more, never less: a floor the publisher asked for stays a floor.</summary>
    private TimeSpan Jittered(TimeSpan wait) =>
        wait + TimeSpan.FromTicks((long)(wait.Ticks * options.Jitter * random.NextDouble()));
}
