using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.State;

namespace ChipAlerts.Core.Pipeline;

/// <summary>How one configured feed is doing, from its stored state: what `chipalerts feeds` and the health endpoint show.</summary>
public sealed record FeedHealth
{
    public required string FeedId { get; init; }
    public required string Name { get; init; }

    /// <summary>Where it is polled: the configured url, or where it permanently moved.</summary>
    public required string Url { get; init; }

    /// <summary><see cref="StatusReporter.Ok"/>, <see cref="StatusReporter.Failing"/>, <see cref="StatusReporter.Gone"/>, <see cref="StatusReporter.Stale"/> or <see cref="StatusReporter.NeverPolled"/>.</summary>
    public required string Status { get; init; }

    public DateTimeOffset? LastPolledAt { get; init; }
    public DateTimeOffset? LastSuccessAt { get; init; }
    public DateTimeOffset? NextPollAt { get; init; }
    public string? LastErrorCode { get; init; }
    public string? LastError { get; init; }
    public int ConsecutiveFailures { get; init; }
    public long ItemsSeen { get; init; }

    /// <summary>From the dates of the items in the last document read.</summary>
    public double? ItemsPerDay { get; init; }

    public DateTimeOffset? LastPublishedAt { get; init; }

    /// <summary>Nothing new for longer than the feed's own rhythm leads one to expect (see <see cref="StatusReporter.ExpectedSilence"/>).</summary>
    public bool Stale { get; init; }
}

/// <summary>What an operator asks first: can we reach the store, how are the feeds, what is waiting or dead.</summary>
public sealed record StatusReport(bool StoreReachable, string? StoreError, IReadOnlyList<FeedHealth> Feeds, OutboxCounts? Alerts);

/// <summary>Builds the <see cref="StatusReport"/>; a store that cannot be reached is reported, not thrown.</summary>
public sealed class StatusReporter(LoadedConfig config, IFeedStateStore feedStates, AlertOutbox outbox, TimeProvider time)
{
    public const string Ok = "ok";
    public const string Failing = "failing";
    public const string Gone = "gone";
    public const string Stale = "stale";
    public const string NeverPolled = "never polled";

    public async Task<StatusReport> GetAsync(CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<string, FeedState> states;
        OutboxCounts counts;
        try
        {
            states = await feedStates.GetFeedStatesAsync(cancellationToken);
            counts = await outbox.CountAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new StatusReport(false, $"{e.GetType().Name}: {e.Message}", [], null);
        }

        var now = time.GetUtcNow();
        return new StatusReport(true, null, [.. config.Config.Feeds.Select(feed => Health(feed, states.GetValueOrDefault(feed.Id), now))], counts);
    }

    private FeedHealth Health(FeedConfig feed, FeedState? state, DateTimeOffset now)
    {
        var health = new FeedHealth { FeedId = feed.Id, Name = feed.DisplayName, Url = config.ResolveFeedUrl(feed).ToString(), Status = NeverPolled };
        if (state is null)
        {
            return health;
        }

        var stale = state.LastPublishedAt is { } last && now - last > ExpectedSilence(state);
        return health with
        {
            Url = state.MovedTo is not null && state.MovedFrom == feed.Url ? state.MovedTo : health.Url,
            Status = FeedPlanner.IsGone(feed, state) ? Gone : state.ConsecutiveFailures > 0 ? Failing : stale ? Stale : Ok,
            LastPolledAt = state.LastPolledAt,
            LastSuccessAt = state.LastSuccessAt,
            NextPollAt = FeedPlanner.IsGone(feed, state) ? null : state.NextPollAt,
            LastErrorCode = state.LastErrorCode,
            LastError = state.LastError,
            ConsecutiveFailures = state.ConsecutiveFailures,
            ItemsSeen = state.ItemsSeen,
            ItemsPerDay = state.ItemsPerDay is { } perDay ? Math.Round(perDay, 2) : null,
            LastPublishedAt = state.LastPublishedAt,
            Stale = stale,
        };
    }

    /// <summary>
    /// How long a feed may publish nothing before it is flagged stale: four of its average gaps between
    /// items (a feed is bursty), never less than a day; a week when its rhythm is unknown.
    /// </summary>
    public static TimeSpan ExpectedSilence(FeedState state) => state.AverageGap is { Ticks: > 0 } gap
        ? TimeSpan.FromTicks(Math.Max(gap.Ticks * 4, TimeSpan.TicksPerDay))
        : TimeSpan.FromDays(7);
}
