using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.State;
using ChipAlerts.Core.WebSub;
using Microsoft.Extensions.Options;

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

    /// <summary>The WebSub hub the feed announces, if any.</summary>
    public string? Hub { get; init; }

    /// <summary>
    /// Whether the hub pushes it: "active" (until <see cref="PushedUntil"/>), "requested", "failed", "denied",
    /// "unsubscribing", or "off" (a hub is announced but ChipAlerts:WebSub:CallbackUrl is not set); null without a hub.
    /// </summary>
    public string? Push { get; init; }

    public DateTimeOffset? PushedUntil { get; init; }

    /// <summary>What the hub last said when it failed or denied; never the subscription's secret.</summary>
    public string? PushError { get; init; }
}

/// <summary>What an operator asks first: can we reach the store, how are the feeds, what is waiting or dead.</summary>
public sealed record StatusReport(bool StoreReachable, string? StoreError, IReadOnlyList<FeedHealth> Feeds, OutboxCounts? Alerts);

/// <summary>Builds the <see cref="StatusReport"/>; a store that cannot be reached is reported, not thrown.</summary>
public sealed class StatusReporter(LoadedConfig config, IFeedStateStore feedStates, AlertOutbox outbox, IPushSubscriptionStore pushes, IOptions<WebSubOptions> webSub, TimeProvider time)
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
        Dictionary<string, PushSubscription> subscriptions;
        try
        {
            states = await feedStates.GetFeedStatesAsync(cancellationToken);
            counts = await outbox.CountAsync(cancellationToken);
            subscriptions = webSub.Value.Enabled ? (await pushes.GetPushSubscriptionsAsync(cancellationToken)).ToDictionary(p => p.FeedId, StringComparer.Ordinal) : [];
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new StatusReport(false, $"{e.GetType().Name}: {e.Message}", [], null);
        }

        var now = time.GetUtcNow();
        return new StatusReport(true, null, [.. config.Config.Feeds.Select(feed => WithPush(Health(feed, states.GetValueOrDefault(feed.Id), now), subscriptions.GetValueOrDefault(feed.Id), now))], counts);
    }

    private FeedHealth WithPush(FeedHealth health, PushSubscription? subscription, DateTimeOffset now) => health.Hub is null ? health : subscription switch
    {
        _ when !webSub.Value.Enabled => health with { Push = "off" },
        null => health with { Push = "requested" }, // found by the last poll; subscribed after the cycle
        _ when subscription.IsActiveAt(now) => health with { Push = "active", PushedUntil = subscription.LeaseUntil, PushError = subscription.LastError },
        { State: PushState.Active } => health with { Push = "failed", PushError = $"the lease ended at {subscription.LeaseUntil:u} without a renewal" },
        _ => health with { Push = subscription.State.ToString().ToLowerInvariant(), PushError = subscription.LastError },
    };

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
            Hub = state.Hub,
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
