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
    OperatorAlerts operatorAlerts,
    IFeedStateStore feedStates,
    IItemLedger ledger,
    IOutbox outbox,
    IOptOutStore optOuts,
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
        // At most MaxConcurrency feeds at once, and at most MaxPerHost of them from one host.
        var hostOf = due.Select(f => PollUrl(f, states.GetValueOrDefault(f.Id)) is { IsFile: false } url ? url.IdnHost : "").ToArray();
        var hosts = hostOf.Distinct(StringComparer.OrdinalIgnoreCase)
            .ToDictionary(h => h, _ => new SemaphoreSlim(fetchOptions.Value.MaxPerHost), StringComparer.OrdinalIgnoreCase);
        try
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, due.Count),
                new ParallelOptions { MaxDegreeOfParallelism = fetchOptions.Value.MaxConcurrency, CancellationToken = cancellationToken },
                async (i, token) =>
                {
                    var host = hosts[hostOf[i]];
                    await host.WaitAsync(token);
                    try
                    {
                        outcomes[i] = await PollFeedAsync(due[i], states.GetValueOrDefault(due[i].Id), token);
                    }
                    finally
                    {
                        host.Release();
                    }
                });
        }
        finally
        {
            foreach (var semaphore in hosts.Values)
            {
                semaphore.Dispose();
            }
        }

        var immediate = await dispatcher.DeliverDueAsync(cancellationToken);
        var digests = await dispatcher.SendDigestsAsync(dueOnly: true, cancellationToken);
        var delivery = new DeliverySummary(immediate.Delivered + digests.Delivered, immediate.Retrying + digests.Retrying, immediate.Failed + digests.Failed);
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
        var url = PollUrl(feed, state);
        try
        {
            var fetched = await fetcher.FetchAsync(url, state.ETag, state.LastModified, cancellationToken);
            var now = time.GetUtcNow();
            if (fetched.MovedTo is { } moved)
            {
                LogFeedMoved(feed.Id, moved);
                state = state with { MovedFrom = feed.Url, MovedTo = moved.AbsoluteUri, ETag = null, LastModified = null };
            }

            var recovered = operatorAlerts.AfterSuccess(feed, state, now);
            if (fetched.NotModified)
            {
                var told = await outbox.AddAsync(recovered, cancellationToken);
                await feedStates.SaveFeedStateAsync(Succeeded(state, feed, fetched, null, [], now), cancellationToken);
                return new FeedOutcome { FeedId = feed.Id, NotModified = true, NewAlertIds = told };
            }

            var parsed = FeedParser.ParseFeed(feed.Id, fetched.Body, fetched.Charset, url);
            if (parsed.Repairs is not null)
            {
                logger.LogWarning("Feed {FeedId} is not well-formed XML; read after mending {Repairs}.", feed.Id, parsed.Repairs);
            }

            var items = parsed.Items;
            if (items.FirstOrDefault(i => i.UnreadableDate is not null) is { } undated)
            {
                LogUnreadableDates(feed.Id, items.Count(i => i.UnreadableDate is not null), undated.UnreadableDate!);
                items = [.. items.Select(i => i.UnreadableDate is null ? i : i with { Published = now })];
            }

            var fresh = await ledger.FilterNewAsync(items, now, feed.FingerprintWindow ?? fetchOptions.Value.FingerprintWindow, cancellationToken);

            var alerts = new List<Alert>(recovered);
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

            if (alerts.Count > 0 && await optOuts.GetOptOutsAsync(cancellationToken) is { Count: > 0 } stopped)
            {
                // An unsubscribed or disabled channel gets no new alerts.
                var keys = stopped.Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
                alerts.RemoveAll(a => keys.Contains(OptOut.KeyOf(a.SubscriberId, a.Channel)));
            }

            // Alerts are stored before the items are marked seen. If the process dies in between, the
            // next poll sees the items as new again and derives the same AlertIds, which the outbox
            // ignores: nothing is lost and nothing is sent twice.
            var stored = await outbox.AddAsync(alerts, cancellationToken);
            await ledger.MarkSeenAsync(fresh, now, cancellationToken);
            await feedStates.SaveFeedStateAsync(Succeeded(state, feed, fetched, parsed with { Items = items }, fresh, now), cancellationToken);
            return new FeedOutcome
            {
                FeedId = feed.Id,
                NewItems = fresh.Count,
                MatchesPerList = matchesPerList,
                NewAlertIds = stored,
                Repairs = parsed.Repairs,
                UnreadableDates = items.Count(i => i.UnreadableDate is not null),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Only our own cancellation ends the cycle; anything else, even a bug tripped by one odd
            // feed, is that feed's failure and the others go on.
            var failure = e as FeedException ?? new FeedException("unexpected", $"{e.GetType().Name}: {e.Message}", inner: e);
            var now = time.GetUtcNow();
            var failures = state.ConsecutiveFailures + 1;
            var failed = state with
            {
                LastPolledAt = now,
                NextPollAt = planner.NextPollAfterFailure(feed, failures, failure.RetryAfter, now),
                LastErrorCode = failure.Code,
                LastError = failure.Message,
                ConsecutiveFailures = failures,
                GoneUrl = failure.Code == "gone" ? feed.Url : state.GoneUrl,
            };
            LogFeedFailed(feed.Id, url, failure.Code, failure.Message);
            // Stored before the state says they were, so a crash in between tells the operator again
            // under the same AlertId, which the outbox ignores.
            if (operatorAlerts.AfterFailure(feed, state, failed, now) is { Count: > 0 } notices)
            {
                await outbox.AddAsync(notices, cancellationToken);
                failed = failed with { FailureReported = true };
            }

            await feedStates.SaveFeedStateAsync(failed, cancellationToken);
            return new FeedOutcome { FeedId = feed.Id, ErrorCode = failure.Code, Error = failure.Message };
        }
    }

    /// <summary>The configured url, or where it permanently moved while the configuration still gives the old one.</summary>
    public Uri PollUrl(FeedConfig feed, FeedState? state) =>
        state?.MovedTo is not null && state.MovedFrom == feed.Url ? new Uri(state.MovedTo) : config.ResolveFeedUrl(feed);

    private FeedState Succeeded(FeedState state, FeedConfig feed, FetchResult fetched, ParsedFeed? parsed, IReadOnlyList<FeedItem> fresh, DateTimeOffset now)
    {
        var dates = parsed?.Items.Select(i => i.Published).OfType<DateTimeOffset>().Order().ToList() ?? [];
        var newest = dates.Count > 0 ? dates[^1] : fresh.Count > 0 ? now : (DateTimeOffset?)null;
        var floors = new[] { parsed?.Ttl, fetched.MaxAge }.OfType<TimeSpan>().ToList();
        var updated = state with
        {
            ETag = fetched.ETag,
            LastModified = fetched.LastModified,
            LastPolledAt = now,
            LastSuccessAt = now,
            LastErrorCode = null,
            LastError = null,
            ConsecutiveFailures = 0,
            FailureReported = false,
            ItemsSeen = state.ItemsSeen + fresh.Count,
            GoneUrl = null,
            MinInterval = floors.Count > 0 ? floors.Max() : parsed is null ? state.MinInterval : null,
            AverageGap = dates.Count >= 2 ? (dates[^1] - dates[0]) / (dates.Count - 1) : state.AverageGap,
            LastPublishedAt = newest > state.LastPublishedAt || state.LastPublishedAt is null ? newest : state.LastPublishedAt,
        };
        return updated with { NextPollAt = planner.NextPollAfterSuccess(feed, updated, now) };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feed {FeedId} moved permanently to {NewUrl}; polling it there from now on. Put the new url in the configuration to make the move permanent.")]
    private partial void LogFeedMoved(string feedId, Uri newUrl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feed {FeedId}: {Count} item(s) have dates that cannot be read (such as '{Example}'); they are dated when first seen instead.")]
    private partial void LogUnreadableDates(string feedId, int count, string example);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feed {FeedId} ({FeedUrl}) failed: {ErrorCode}: {Error}")]
    private partial void LogFeedFailed(string feedId, Uri feedUrl, string errorCode, string error);
}
