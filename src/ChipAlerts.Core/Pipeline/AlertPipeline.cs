using System.Threading.Channels;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Ledger;
using ChipAlerts.Core.Matching;
using ChipAlerts.Core.Observability;
using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.State;
using ChipAlerts.Core.Stories;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChipAlerts.Core.Pipeline;

/// <summary>
/// One poll cycle, top to bottom: plan → fetch → parse → ledger → match → route → outbox → deliver, each
/// feed's alerts going to delivery as soon as they are stored.
/// Both hosts call it: the local runner a cycle at a time, the Functions app a feed at a time (and the
/// outbox's due-delivery pass on its own timer).
/// </summary>
public sealed partial class AlertPipeline(
    LoadedConfig config,
    FeedPlanner planner,
    FeedFetcher fetcher,
    WatchListMatcher matcher,
    AlertRouter router,
    StoryIndex stories,
    OperatorAlerts operatorAlerts,
    IFeedStateStore feedStates,
    IItemLedger ledger,
    AlertOutbox outbox,
    IOptOutStore optOuts,
    WebSub.WebSubSubscriber webSub,
    IOptions<FetchOptions> fetchOptions,
    IOptions<Delivery.DeliveryOptions> deliveryOptions,
    ChipAlertsMetrics metrics,
    TimeProvider time,
    ILogger<AlertPipeline> logger)
{
    /// <summary>
    /// Polls the due feeds (every feed when <paramref name="allFeeds"/>), handing each feed's new alerts to
    /// delivery as soon as they are stored (a slow or dead feed holds no one's alerts back), then delivers
    /// whatever else is due.
    /// </summary>
    public async Task<CycleSummary> RunCycleAsync(bool allFeeds, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var states = await feedStates.GetFeedStatesAsync(cancellationToken);
        var storeWarning = states.Count == 0 && config.Config.Feeds.Count > 0 ? StoreIsEmpty() : null;
        var due = allFeeds
            ? planner.Allowed(config.Config.Feeds, states, time.GetUtcNow())
            : planner.Due(config.Config.Feeds, states, time.GetUtcNow(), await webSub.PollNotBeforeAsync(states, cancellationToken));
        var planTook = time.GetElapsedTime(started);

        var outcomes = new FeedOutcome[due.Count];
        // At most MaxConcurrency feeds at once; the fetcher lets at most MaxPerHost requests go to one host, only while
        // they fetch, so a feed parsing or storing holds no other feed of its host back.
        var handOff = Channel.CreateUnbounded<IReadOnlyList<string>>(new UnboundedChannelOptions { SingleReader = true });
        // One tally for the cycle's passes: an alert tried as its feed stored it and again in the due pass counts once.
        var tally = new DeliveryTally();
        var delivering = DeliverAsStoredAsync(handOff.Reader, tally, cancellationToken);
        var handedTook = TimeSpan.Zero;
        try
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, due.Count),
                new ParallelOptions { MaxDegreeOfParallelism = fetchOptions.Value.MaxConcurrency, CancellationToken = cancellationToken },
                async (i, token) =>
                {
                    outcomes[i] = await PollFeedAsync(due[i], states.GetValueOrDefault(due[i].Id), token);
                    if (outcomes[i].NewAlertIds is { Count: > 0 } stored)
                    {
                        handOff.Writer.TryWrite(stored);
                    }
                });
        }
        finally
        {
            // Also when stopping: the sends in flight finish and are recorded (the outbox takes no new alert then).
            handOff.Writer.Complete();
            handedTook = await delivering;
        }

        var dueStarted = time.GetTimestamp();
        var delivery = await outbox.DeliverDueAsync(cancellationToken, tally);
        var deliverTook = handedTook + time.GetElapsedTime(dueStarted);
        var polled = outcomes.Where(o => !o.LeasedElsewhere).ToList();
        var skipped = allFeeds ? config.Config.Feeds.Except(due).Select(f => Skipped(f, states[f.Id], time.GetUtcNow())).ToList() : [];
        return new CycleSummary
        {
            FeedsPolled = polled.Count,
            FeedsNotModified = outcomes.Count(o => o.NotModified),
            FeedsLeasedElsewhere = outcomes.Length - polled.Count,
            FeedsFailed = outcomes.Count(o => o.Failed),
            NewItems = outcomes.Sum(o => o.NewItems),
            BacklogItems = outcomes.Sum(o => o.Backlog),
            ItemsPastCap = outcomes.Sum(o => o.ItemsPastCap),
            MatchesPerList = config.Config.WatchLists.ToDictionary(
                l => l.Name,
                l => outcomes.Sum(o => o.MatchesPerList.GetValueOrDefault(l.Name))),
            StoryCopies = outcomes.Sum(o => o.StoryCopies),
            AlertsCreated = outcomes.Sum(o => o.AlertsCreated),
            AlertsDelivered = delivery.Delivered,
            AlertsPending = await outbox.CountActiveAsync(CancellationToken.None),
            AlertsFailed = delivery.Failed,
            AlertsRetrying = delivery.Retrying,
            Failures = [.. outcomes.Where(o => o.Failed).Select(o => new FeedFailure(o.FeedId, o.ErrorCode!, o.Error!))],
            Repaired = [.. outcomes.Where(o => o.Repairs is not null).Select(o => new FeedRepaired(o.FeedId, o.Repairs!))],
            StoreWarning = storeWarning,
            Skipped = skipped,
            Elapsed = time.GetElapsedTime(started),
            Stages = Timed(outcomes, planTook, deliverTook),
        };
    }

    /// <summary>The cycle's stages: each feed's summed, and the cycle's own plan and deliver; logged, and for the summary.</summary>
    private StageTimes Timed(FeedOutcome[] outcomes, TimeSpan plan, TimeSpan deliver)
    {
        var stages = outcomes.Aggregate(StageTimes.None, (sum, o) => sum + o.Stages) with { Plan = plan, Deliver = deliver };
        LogStages(outcomes.Length, stages);
        return stages;
    }

    /// <summary>One feed's new alerts at a time, as the polls store them: the lanes they are in, in order. Returns the time it spent delivering.</summary>
    private async Task<TimeSpan> DeliverAsStoredAsync(ChannelReader<IReadOnlyList<string>> stored, DeliveryTally tally, CancellationToken stopping)
    {
        var busy = TimeSpan.Zero;
        await foreach (var alertIds in stored.ReadAllAsync(CancellationToken.None))
        {
            var started = time.GetTimestamp();
            try
            {
                await outbox.DeliverLanesOfAsync(alertIds, stopping, tally);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // They stay pending in the outbox: the due-delivery pass at the end of the cycle sends them.
                LogHandOffFailed(alertIds.Count, e);
            }

            busy += time.GetElapsedTime(started);
        }

        return busy;
    }

    /// <summary>Why a poll of every feed left this one alone: the publisher said so.</summary>
    private static FeedSkipped Skipped(FeedConfig feed, FeedState state, DateTimeOffset now) => FeedPlanner.IsGone(feed, state)
        ? new(feed.Id, $"gone: it answered 410 Gone at {feed.Url}; give the feed a new url, or remove it")
        : new(feed.Id, $"the server asked to wait (Retry-After) until {state.RetryAfterUntil:u}, {(state.RetryAfterUntil!.Value - now).TotalMinutes:N0} min from now");

    /// <summary>
    /// A store with no state while feeds are configured is new, emptied or lost (a deleted data folder, a
    /// zero-byte file, another account): every item will be taken as new. Said in the log and the summary.
    /// </summary>
    private string StoreIsEmpty()
    {
        var message = $"The store ({feedStates.Location}) holds no state: it is new, or its data was lost. Every item of the {config.Config.Feeds.Count} feed(s) is taken as new.";
        LogStoreEmpty(message);
        return message;
    }

    /// <summary>The plan stage alone: the feeds due now, with the state the plan read (for a host that fans them out, one message each).</summary>
    public async Task<IReadOnlyList<(FeedConfig Feed, FeedState? State)>> PlanAsync(CancellationToken cancellationToken)
    {
        var states = await feedStates.GetFeedStatesAsync(cancellationToken);
        var pushed = await webSub.PollNotBeforeAsync(states, cancellationToken);
        return [.. planner.Due(config.Config.Feeds, states, time.GetUtcNow(), pushed).Select(f => (f, states.GetValueOrDefault(f.Id)))];
    }

    /// <summary>
    /// WebSub after a cycle (hosts that take the hubs' calls: `run` and the Functions app): subscribe the feeds that
    /// announce a hub, renew leases, retry or leave hubs. Reads the states the cycle left. Nothing when WebSub is off.
    /// </summary>
    public async Task<WebSub.WebSubPass> MaintainPushAsync(CancellationToken cancellationToken)
    {
        if (!webSub.Enabled)
        {
            return WebSub.WebSubPass.None;
        }

        try
        {
            return await webSub.MaintainAsync(await feedStates.GetFeedStatesAsync(cancellationToken), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Subscriptions are an extra: polling goes on whatever happens to them.
            LogPushMaintenanceFailed(e);
            return WebSub.WebSubPass.None;
        }
    }

    /// <summary>
    /// Polls one feed by id (a host that fans feeds out); null when the configuration no longer has it, or
    /// when its state is no longer the <paramref name="planned"/> one (it was polled since: a message
    /// delivered twice polls once). Null <paramref name="planned"/>: poll now, whatever the state.
    /// </summary>
    public async Task<FeedOutcome?> PollFeedAsync(string feedId, PlannedVersion? planned, CancellationToken cancellationToken)
    {
        if (config.Config.Feeds.FirstOrDefault(f => f.Id == feedId) is not { } feed)
        {
            return null;
        }

        var state = (await feedStates.GetFeedStatesAsync(cancellationToken)).GetValueOrDefault(feedId);
        return planned is not null && planned.StateVersion != state?.Version
            ? new FeedOutcome { FeedId = feed.Id, LeasedElsewhere = true }
            : await PollFeedAsync(feed, state, cancellationToken);
    }

    /// <summary>
    /// Lease, fetch, parse, ledger, match, route and store the alerts of one feed. Never throws for a bad
    /// feed: the failure is recorded in the feed's state and returned. <paramref name="state"/> is the copy
    /// the plan read: if another poller leased or polled the feed since, this one leaves it.
    /// </summary>
    public async Task<FeedOutcome> PollFeedAsync(FeedConfig feed, FeedState? state, CancellationToken cancellationToken)
    {
        var leasedAt = time.GetUtcNow();
        if (await feedStates.TryLeaseAsync(state ?? new FeedState { FeedId = feed.Id }, leasedAt, leasedAt + fetchOptions.Value.LeaseDuration, cancellationToken) is not { } leased)
        {
            return new FeedOutcome { FeedId = feed.Id, LeasedElsewhere = true };
        }

        state = leased;
        var url = PollUrl(feed, state);
        using var activity = ChipAlertsMetrics.Activities.StartActivity("feed.poll");
        activity?.SetTag("feed.id", feed.Id);
        var fetchStarted = time.GetTimestamp();
        TimeSpan? fetchTook = null;
        try
        {
            var fetched = await fetcher.FetchAsync(url, state.ETag, state.LastModified, cancellationToken);
            fetchTook = time.GetElapsedTime(fetchStarted);
            var now = time.GetUtcNow();
            if (fetched.MovedTo is { } moved)
            {
                LogFeedMoved(feed.Id, moved);
                state = state with { MovedFrom = feed.Url, MovedTo = moved.AbsoluteUri, ETag = null, LastModified = null };
            }

            var recovered = operatorAlerts.AfterSuccess(feed, state, now);
            if (fetched.NotModified)
            {
                var storeStarted = time.GetTimestamp();
                var told = await StoreAsync(recovered, cancellationToken);
                await feedStates.SaveFeedStateAsync(Succeeded(state, feed, fetched, null, [], now), cancellationToken);
                metrics.FeedPolled("not_modified", null, fetchTook);
                activity?.SetTag("outcome", "not_modified");
                return new FeedOutcome
                {
                    FeedId = feed.Id,
                    NotModified = true,
                    NewAlertIds = told,
                    Stages = new StageTimes { Fetch = fetchTook.Value, Store = time.GetElapsedTime(storeStarted) },
                };
            }

            // Relative links resolve against where the body came from, after any redirect (RFC 3986 §5.1.3).
            var parseStarted = time.GetTimestamp();
            var parsed = Parse(feed, fetched.Body, fetched.Charset, fetched.Location ?? url);
            var parseTook = time.GetElapsedTime(parseStarted);
            var ingested = await IngestAsync(feed, state, parsed, recovered, now, cancellationToken);
            var saveStarted = time.GetTimestamp();
            await feedStates.SaveFeedStateAsync(Succeeded(state, feed, fetched, parsed with { Items = ingested.Items }, ingested.Fresh, now), cancellationToken);
            var stages = ingested.Stages with { Fetch = fetchTook.Value, Parse = parseTook, Store = ingested.Stages.Store + time.GetElapsedTime(saveStarted) };
            LogFeedStages(feed.Id, stages);
            metrics.FeedPolled("ok", null, fetchTook);
            activity?.SetTag("outcome", "ok");
            activity?.SetTag("items.new", ingested.Fresh.Count);
            return ingested.Outcome(feed.Id, parsed, stages);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: give the lease back, so the next runner need not wait it out.
            await feedStates.SaveFeedStateAsync(state, CancellationToken.None);
            throw;
        }
        catch (Exception e)
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
                RetryAfterUntil = failure.RetryAfter is { } wait ? now + wait : null,
            };
            LogFeedFailed(feed.Id, url.IsFile ? url.LocalPath : url.GetLeftPart(UriPartial.Path), failure.Code, failure.Message); // no query: it may hold a token
            metrics.FeedPolled("failed", failure.Code, fetchTook);
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, failure.Code);
            // Stored before the state says they were, so a crash in between tells the operator again
            // under the same AlertId, which the outbox ignores.
            if (operatorAlerts.AfterFailure(feed, state, failed, now) is { Count: > 0 } notices)
            {
                await StoreAsync(notices, cancellationToken);
                failed = failed with { FailureReported = true };
            }

            await feedStates.SaveFeedStateAsync(failed, cancellationToken);
            return new FeedOutcome { FeedId = feed.Id, ErrorCode = failure.Code, Error = failure.Message, Stages = new StageTimes { Fetch = fetchTook ?? time.GetElapsedTime(fetchStarted) } };
        }
    }

    /// <summary>
    /// What a hub pushed for a feed (WebSub content distribution): the same parse, ledger, stories, match, route and
    /// outbox as a poll, without touching the poll's state (its validators, schedule and lease stay the poller's). An
    /// item both pushed and polled alerts once: the ledger, the story index and the outbox's AlertIds see to that.
    /// Throws <see cref="FeedException"/> for a body that is not a feed.
    /// </summary>
    public async Task<FeedOutcome> ReceivePushedAsync(FeedConfig feed, byte[] body, string? charset, Uri topic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(feed);
        using var activity = ChipAlertsMetrics.Activities.StartActivity("feed.push");
        activity?.SetTag("feed.id", feed.Id);
        var now = time.GetUtcNow();
        var state = (await feedStates.GetFeedStatesAsync(cancellationToken)).GetValueOrDefault(feed.Id) ?? new FeedState { FeedId = feed.Id };
        var parseStarted = time.GetTimestamp();
        var parsed = Parse(feed, body, charset, topic);
        var parseTook = time.GetElapsedTime(parseStarted);
        var ingested = await IngestAsync(feed, state, parsed, [], now, cancellationToken);
        var stages = ingested.Stages with { Parse = parseTook };
        LogFeedStages(feed.Id, stages);
        activity?.SetTag("items.new", ingested.Fresh.Count);
        return ingested.Outcome(feed.Id, parsed, stages);
    }

    private ParsedFeed Parse(FeedConfig feed, byte[] body, string? charset, Uri baseUrl)
    {
        var parsed = FeedParser.ParseFeed(feed.Id, body, charset, baseUrl, fetchOptions.Value.MaxItems);
        if (parsed.ItemsPastCap > 0)
        {
            LogItemsPastCap(feed.Id, parsed.Items.Count + parsed.ItemsPastCap, fetchOptions.Value.MaxItems, parsed.ItemsPastCap);
        }

        if (parsed.Repairs is not null)
        {
            logger.LogWarning("Feed {FeedId} is not well-formed XML; read after mending {Repairs}.", feed.Id, parsed.Repairs);
        }

        return parsed;
    }

    /// <summary>What one read of a feed made: its items (dated), the new ones, and the alerts stored for them.</summary>
    private sealed record Ingested(IReadOnlyList<FeedItem> Items, IReadOnlyList<FeedItem> Fresh, int Backlog, Dictionary<string, int> MatchesPerList, int StoryCopies, IReadOnlyList<string> Stored, StageTimes Stages)
    {
        public FeedOutcome Outcome(string feedId, ParsedFeed parsed, StageTimes stages) => new()
        {
            FeedId = feedId,
            NewItems = Fresh.Count,
            Backlog = Backlog,
            MatchesPerList = MatchesPerList,
            StoryCopies = StoryCopies,
            NewAlertIds = Stored,
            Repairs = parsed.Repairs,
            ItemsPastCap = parsed.ItemsPastCap,
            UnreadableDates = Items.Count(i => i.UnreadableDate is not null),
            Stages = stages,
        };
    }

    /// <summary>Ledger, backlog rule, stories, match, route and outbox for the items of one document; marks them seen.</summary>
    private async Task<Ingested> IngestAsync(FeedConfig feed, FeedState state, ParsedFeed parsed, IReadOnlyList<Alert> recovered, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var items = parsed.Items;
        if (items.FirstOrDefault(i => i.UnreadableDate is not null) is { } undated)
        {
            LogUnreadableDates(feed.Id, items.Count(i => i.UnreadableDate is not null), undated.UnreadableDate!);
            items = [.. items.Select(i => i.UnreadableDate is null ? i : i with { Published = now })];
        }

        var ledgerStarted = time.GetTimestamp();
        var fresh = await ledger.FilterNewAsync(items, now, feed.FingerprintWindow ?? fetchOptions.Value.FingerprintWindow, cancellationToken);
        var ledgerTook = time.GetElapsedTime(ledgerStarted);

        // The backlog rule: a feed's first successful poll records its archive as seen and alerts only on
        // what was published within the backfill window, so a new feed (or a lost store) never floods.
        var window = BackfillOf(feed);
        var alerting = state.LastSuccessAt is null ? [.. fresh.Where(i => Backfill.Alerts(i, window, now))] : fresh;
        if (alerting.Count < fresh.Count)
        {
            LogBacklog(feed.Id, fresh.Count - alerting.Count, window?.ToString() ?? Backfill.All);
        }

        var alerts = new List<Alert>(recovered);
        var storyCopies = 0;
        var matchesPerList = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        TimeSpan matchTook = TimeSpan.Zero, storiesTook = TimeSpan.Zero, routeTook = TimeSpan.Zero;
        foreach (var item in alerting)
        {
            var matchStarted = time.GetTimestamp();
            var matches = matcher.Match(item);
            matchTook += time.GetElapsedTime(matchStarted);
            foreach (var match in matches)
            {
                matchesPerList[match.WatchList] = matchesPerList.GetValueOrDefault(match.WatchList) + 1;
            }

            if (matches.Count == 0)
            {
                continue;
            }

            // One story, one alert per list: a copy of a story already alerted on alerts only for lists it adds.
            AlertStory? story = null;
            if (stories.Enabled)
            {
                var placeStarted = time.GetTimestamp();
                var placed = await stories.PlaceAsync(item, feed.DisplayName, matches, now, cancellationToken);
                storiesTook += time.GetElapsedTime(placeStarted);
                matches = placed.Alerting;
                story = StoryOf(placed);
                storyCopies += placed.Member.Decision == StoryMember.First ? 0 : 1;
                metrics.StoryItem(placed.Member.Decision);
            }

            var routeStarted = time.GetTimestamp();
            alerts.AddRange(router.Route(item, feed.DisplayName, matches, now).Select(a => a with { Story = story }));
            routeTook += time.GetElapsedTime(routeStarted);
        }

        var filterStarted = time.GetTimestamp();
        if (alerts.Count > 0 && await optOuts.GetOptOutsAsync(cancellationToken) is { Count: > 0 } stopped)
        {
            // An unsubscribed or disabled channel gets no new alerts.
            var keys = stopped.Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
            alerts.RemoveAll(a => keys.Contains(OptOut.KeyOf(a.SubscriberId, a.Channel)));
        }

        alerts = [.. AlertCap.Apply(alerts, deliveryOptions.Value.MaxImmediatePerPoll, now)];
        routeTook += time.GetElapsedTime(filterStarted);

        // Alerts are stored before the items are marked seen. If the process dies in between, the
        // next poll sees the items as new again and derives the same AlertIds, which the outbox
        // ignores: nothing is lost and nothing is sent twice.
        var writeStarted = time.GetTimestamp();
        var stored = await StoreAsync(alerts, cancellationToken);
        await ledger.MarkSeenAsync(fresh, now, cancellationToken);
        metrics.ItemsNew(fresh.Count);
        foreach (var (list, count) in matchesPerList)
        {
            metrics.Matched(list, count);
        }

        return new Ingested(items, fresh, fresh.Count - alerting.Count, matchesPerList, storyCopies, stored, new StageTimes
        {
            Ledger = ledgerTook,
            Match = matchTook,
            Stories = storiesTook,
            Route = routeTook,
            Store = time.GetElapsedTime(writeStarted),
        });
    }

    /// <summary>What an alert says of its story: the copies known now, and for a later copy, why it is one.</summary>
    public static AlertStory StoryOf(StoryPlacement placed)
    {
        ArgumentNullException.ThrowIfNull(placed);
        return new AlertStory(
            placed.Story.StoryId,
            [.. placed.Story.Members.Select(m => new StorySource(m.FeedName, m.Title, m.Link, m.Published))],
            placed.Member.Decision == StoryMember.First ? null : placed.Member.Explain());
    }

    /// <summary>The feed's backfill window, else the default; null: all.</summary>
    public TimeSpan? BackfillOf(FeedConfig feed) =>
        Backfill.TryParse(feed.Backfill ?? fetchOptions.Value.Backfill, out var window) ? window : throw new InvalidOperationException("backfill passed validation but does not parse.");

    /// <summary>Stores the alerts in the outbox, each carrying this poll's trace context; counts those stored.</summary>
    private async Task<IReadOnlyList<string>> StoreAsync(IReadOnlyList<Alert> alerts, CancellationToken cancellationToken)
    {
        var traceParent = System.Diagnostics.Activity.Current?.Id;
        var stored = await outbox.AddAsync([.. alerts.Select(a => a with { TraceParent = traceParent })], cancellationToken);
        var channels = alerts.DistinctBy(a => a.AlertId).ToDictionary(a => a.AlertId, a => a.Channel, StringComparer.Ordinal);
        foreach (var id in stored)
        {
            metrics.AlertCreated(channels[id]);
        }

        return stored;
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
            RetryAfterUntil = null,
            MinInterval = floors.Count > 0 ? floors.Max() : parsed is null ? state.MinInterval : null,
            AverageGap = dates.Count >= 2 ? (dates[^1] - dates[0]) / (dates.Count - 1) : state.AverageGap,
            LastPublishedAt = newest > state.LastPublishedAt || state.LastPublishedAt is null ? newest : state.LastPublishedAt,
        };
        if (parsed is not null)
        {
            // WebSub discovery: the Link header first, then the document (§4); the topic is its self link, else where it was read.
            var webSub = fetched.WebSub ?? parsed.WebSub;
            updated = updated with { Hub = webSub?.Hub.AbsoluteUri, Topic = webSub is null ? null : (webSub.Self ?? fetched.Location)?.AbsoluteUri };
        }

        return updated with { NextPollAt = planner.NextPollAfterSuccess(feed, updated, now) };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Feed {FeedId}: first poll; {Count} item(s) published before the backfill window ({Backfill}) recorded as seen, without alerts.")]
    private partial void LogBacklog(string feedId, int count, string backfill);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feed {FeedId} lists {Count} items; the first {Cap} were read (ChipAlerts:Fetch:MaxItems) and {PastCap} were not.")]
    private partial void LogItemsPastCap(string feedId, int count, int cap, int pastCap);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivering {Count} new alert(s) as they were stored failed; they wait in the outbox for the cycle's delivery pass.")]
    private partial void LogHandOffFailed(int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cycle of {Feeds} feed(s), time by stage (feeds summed): {Stages}")]
    private partial void LogStages(int feeds, StageTimes stages);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Feed {FeedId}, time by stage: {Stages}")]
    private partial void LogFeedStages(string feedId, StageTimes stages);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WebSub subscriptions could not be brought up to date; feeds are polled meanwhile.")]
    private partial void LogPushMaintenanceFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Message}")]
    private partial void LogStoreEmpty(string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feed {FeedId} moved permanently to {NewUrl}; polling it there from now on. Put the new url in the configuration to make the move permanent.")]
    private partial void LogFeedMoved(string feedId, Uri newUrl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feed {FeedId}: {Count} item(s) have dates that cannot be read (such as '{Example}'); they are dated when first seen instead.")]
    private partial void LogUnreadableDates(string feedId, int count, string example);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feed {FeedId} ({FeedUrl}) failed: {ErrorCode}: {Error}")]
    private partial void LogFeedFailed(string feedId, string feedUrl, string errorCode, string error);
}
