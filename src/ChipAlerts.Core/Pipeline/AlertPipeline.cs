using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Delivery;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Matching;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.State;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChipAlerts.Core.Pipeline;

/// <summary>
/// One poll cycle, top to bottom: plan → fetch → parse → ledger → match → route → outbox → deliver.
/// Both hosts call it: the local runner a cycle at a time, the Functions app a feed or an alert at a time.
/// </summary>
public sealed partial class AlertPipeline(
    LoadedConfig config,
    FeedPlanner planner,
    FeedFetcher fetcher,
    WatchListMatcher matcher,
    AlertRouter router,
    IFeedStateStore feedStates,
    IItemLedger ledger,
    IOutbox outbox,
    AlertDispatcher dispatcher,
    IOptions<FetchOptions> fetchOptions,
    TimeProvider time,
    ILogger<AlertPipeline> logger)
{
    /// <summary>Polls the due feeds (every feed when <paramref name="allFeeds"/>), then delivers what is due.</summary>
    public async Task<CycleSummary> RunCycleAsync(bool allFeeds, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var states = await feedStates.GetFeedStatesAsync(cancellationToken);
        var due = allFeeds ? config.Config.Feeds : planner.Due(config.Config.Feeds, states, time.GetUtcNow());

        var outcomes = new FeedOutcome[due.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, due.Count),
            new ParallelOptions { MaxDegreeOfParallelism = fetchOptions.Value.MaxConcurrency, CancellationToken = cancellationToken },
            async (i, token) => outcomes[i] = await PollFeedAsync(due[i], states.GetValueOrDefault(due[i].Id), token));

        var delivery = await dispatcher.DeliverDueAsync(cancellationToken);
        var counts = await outbox.CountAsync(cancellationToken);
        return new CycleSummary
        {
            FeedsPolled = outcomes.Length,
            FeedsNotModified = outcomes.Count(o => o.NotModified),
            FeedsFailed = outcomes.Count(o => o.Failed),
            NewItems = outcomes.Sum(o => o.NewItems),
            MatchesPerList = config.Config.WatchLists.ToDictionary(
                l => l.Name,
                l => outcomes.Sum(o => o.MatchesPerList.GetValueOrDefault(l.Name))),
            AlertsCreated = outcomes.Sum(o => o.AlertsCreated),
            AlertsDelivered = delivery.Delivered,
            AlertsPending = counts.Pending,
            AlertsFailed = delivery.Failed,
            Failures = [.. outcomes.Where(o => o.Failed).Select(o => new FeedFailure(o.FeedId, o.ErrorCode!, o.Error!))],
            Repaired = [.. outcomes.Where(o => o.Repairs is not null).Select(o => new FeedRepaired(o.FeedId, o.Repairs!))],
            Elapsed = time.GetElapsedTime(started),
        };
    }

    /// <summary>The plan stage alone: the feeds due now (for a host that fans them out, one message each).</summary>
    public async Task<IReadOnlyList<FeedConfig>> PlanAsync(CancellationToken cancellationToken) =>
        planner.Due(config.Config.Feeds, await feedStates.GetFeedStatesAsync(cancellationToken), time.GetUtcNow());

    /// <summary>Polls one feed by id; null when the configuration no longer has it.</summary>
    public async Task<FeedOutcome?> PollFeedAsync(string feedId, CancellationToken cancellationToken)
    {
        if (config.Config.Feeds.FirstOrDefault(f => f.Id == feedId) is not { } feed)
        {
            return null;
        }

        var states = await feedStates.GetFeedStatesAsync(cancellationToken);
        return await PollFeedAsync(feed, states.GetValueOrDefault(feedId), cancellationToken);
    }

    /// <summary>
    /// Fetch, parse, ledger, match, route and store the alerts of one feed. Never throws for a bad feed:
    /// the failure is recorded in the feed's state and returned.
    /// </summary>
    public async Task<FeedOutcome> PollFeedAsync(FeedConfig feed, FeedState? state, CancellationToken cancellationToken)
    {
        state ??= new FeedState { FeedId = feed.Id };
        var url = config.ResolveFeedUrl(feed);
        try
        {
            var fetched = await fetcher.FetchAsync(url, state.ETag, state.LastModified, cancellationToken);
            var now = time.GetUtcNow();
            if (fetched.NotModified)
            {
                await feedStates.SaveFeedStateAsync(Succeeded(state, feed, fetched, now, 0), cancellationToken);
                return new FeedOutcome { FeedId = feed.Id, NotModified = true };
            }

            var (items, repairs) = FeedParser.ParseFeed(feed.Id, fetched.Body, fetched.Charset, url);
            if (repairs is not null)
            {
                logger.LogWarning("Feed {FeedId} is not well-formed XML; read after mending {Repairs}.", feed.Id, repairs);
            }

            var fresh = await ledger.FilterNewAsync(items, cancellationToken);

            var alerts = new List<Alert>();
            var matchesPerList = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            foreach (var item in fresh)
            {
                var matches = matcher.Match(item);
                foreach (var match in matches)
                {
                    matchesPerList[match.WatchList] = matchesPerList.GetValueOrDefault(match.WatchList) + 1;
                }

                alerts.AddRange(router.Route(item, feed.DisplayName, matches, now));
            }

            // Alerts are stored before the items are marked seen. If the process dies in between, the
            // next poll sees the items as new again and derives the same AlertIds, which the outbox
            // ignores: nothing is lost and nothing is sent twice.
            var stored = await outbox.AddAsync(alerts, cancellationToken);
            await ledger.MarkSeenAsync(fresh, now, cancellationToken);
            await feedStates.SaveFeedStateAsync(Succeeded(state, feed, fetched, now, fresh.Count), cancellationToken);
            return new FeedOutcome
            {
                FeedId = feed.Id,
                NewItems = fresh.Count,
                MatchesPerList = matchesPerList,
                NewAlertIds = stored,
                Repairs = repairs,
            };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Only our own cancellation ends the cycle; anything else, even a bug tripped by one odd
            // feed, is that feed's failure and the others go on.
            var failure = e as FeedException ?? new FeedException("unexpected", $"{e.GetType().Name}: {e.Message}", inner: e);
            var now = time.GetUtcNow();
            var failures = state.ConsecutiveFailures + 1;
            await feedStates.SaveFeedStateAsync(state with
            {
                LastPolledAt = now,
                NextPollAt = planner.NextPollAfterFailure(feed, failures, failure.RetryAfter, now),
                LastErrorCode = failure.Code,
                LastError = failure.Message,
                ConsecutiveFailures = failures,
            }, cancellationToken);
            LogFeedFailed(feed.Id, url, failure.Code, failure.Message);
            return new FeedOutcome { FeedId = feed.Id, ErrorCode = failure.Code, Error = failure.Message };
        }
    }

    private FeedState Succeeded(FeedState state, FeedConfig feed, FetchResult fetched, DateTimeOffset now, int newItems) => state with
    {
        ETag = fetched.ETag,
        LastModified = fetched.LastModified,
        LastPolledAt = now,
        NextPollAt = planner.NextPollAfterSuccess(feed, now),
        LastSuccessAt = now,
        LastErrorCode = null,
        LastError = null,
        ConsecutiveFailures = 0,
        ItemsSeen = state.ItemsSeen + newItems,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feed {FeedId} ({FeedUrl}) failed: {ErrorCode}: {Error}")]
    private partial void LogFeedFailed(string feedId, Uri feedUrl, string errorCode, string error);
}
