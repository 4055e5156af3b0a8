using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.State;

namespace ChipAlerts.Core.Pipeline;

/// <summary>How each configured feed is doing, from its stored state.</summary>
public sealed record FeedHealth(
    string FeedId,
    string Status,
    DateTimeOffset? LastPolledAt,
    DateTimeOffset? LastSuccessAt,
    DateTimeOffset? NextPollAt,
    string? LastErrorCode,
    string? LastError,
    int ConsecutiveFailures);

/// <summary>What an operator asks first: can we reach the store, how are the feeds, what is waiting or dead.</summary>
public sealed record StatusReport(bool StoreReachable, string? StoreError, IReadOnlyList<FeedHealth> Feeds, OutboxCounts? Alerts);

/// <summary>Builds the <see cref="StatusReport"/>; a store that cannot be reached is reported, not thrown.</summary>
public sealed class StatusReporter(LoadedConfig config, IFeedStateStore feedStates, IOutbox outbox)
{
    public const string Ok = "ok";
    public const string Failing = "failing";
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

        var feeds = config.Config.Feeds.Select(feed => states.GetValueOrDefault(feed.Id) is { } s
            ? new FeedHealth(feed.Id, s.ConsecutiveFailures > 0 ? Failing : Ok, s.LastPolledAt, s.LastSuccessAt, s.NextPollAt, s.LastErrorCode, s.LastError, s.ConsecutiveFailures)
            : new FeedHealth(feed.Id, NeverPolled, null, null, null, null, null, 0));
        return new StatusReport(true, null, [.. feeds], counts);
    }
}
