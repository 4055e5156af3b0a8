using System.Diagnostics;
using ChipAlerts.Core.Delivery;
using ChipAlerts.Core.Observability;
using ChipAlerts.Core.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChipAlerts.Core.Outbox;

public sealed record DeliverySummary(int Delivered, int Retrying, int Failed)
{
    public static readonly DeliverySummary None = new(0, 0, 0);
}

/// <summary>
/// The outbox stage: the one owner of an alert's life, the same on both hosts. It stores alerts pending
/// before any send, decides when each is due (its next attempt, the end of quiet hours, its subscriber's
/// digest schedule, and its lane's order: nothing overtakes an older alert of the same destination that
/// waits or is in flight), claims it, hands it to the <see cref="AlertSender"/>, and makes every
/// transition from the channel's verdict: delivered, retried after a backoff with jitter, failed for
/// good, dead-lettered when the attempts ran out, deferred while its endpoint's circuit is open. The
/// store below keeps records and makes conditional writes, nothing else.
/// </summary>
public sealed partial class AlertOutbox(
    IOutboxStore store,
    Stories.IStoryStore stories,
    AlertSender sender,
    AlertRouter router,
    IOptions<DeliveryOptions> options,
    ChipAlertsMetrics metrics,
    TimeProvider time,
    RandomSource random,
    ILogger<AlertOutbox> logger)
{
    private readonly DeliveryOptions options = options.Value;

    /// <summary>
    /// Stores the alerts it does not hold yet, pending; returns the ids it stored. An alert derived again is never reset.
    /// A lane's order is its alerts' <see cref="Alert.CreatedAt"/>, and feeds store while delivery runs: so none is
    /// stored earlier than this process's previous store (later by a millisecond, what the stores keep), and an
    /// alert stored after another of its destination was tried waits behind it.
    /// </summary>
    public async Task<IReadOnlyList<string>> AddAsync(IReadOnlyList<Alert> alerts, CancellationToken cancellationToken)
    {
        if (alerts.Count == 0)
        {
            return [];
        }

        var floor = DateTimeOffset.FromUnixTimeMilliseconds(Interlocked.Read(ref lastStoredAt) + 1);
        // Due as made (a floor a millisecond ahead of a test's clock must not hold an alert back).
        var records = alerts.Select(a => new OutboxRecord { Alert = a.CreatedAt < floor ? a with { CreatedAt = floor } : a, State = AlertState.Pending, DueAt = FirstDue(a) }).ToList();
        var latest = records.Max(r => r.Alert.CreatedAt.ToUnixTimeMilliseconds());
        for (var last = Interlocked.Read(ref lastStoredAt); latest > last; last = Interlocked.Read(ref lastStoredAt))
        {
            if (Interlocked.CompareExchange(ref lastStoredAt, latest, last) == last)
            {
                break;
            }
        }

        return await store.InsertAsync(records, cancellationToken);
    }

    private long lastStoredAt = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();

    /// <summary>
    /// The due-delivery pass: every lane's due alerts in order, lanes served <see cref="DeliveryOptions.Concurrency"/>
    /// at a time, and every digest whose time has come. Also sends what was stored and never handed to a
    /// deliverer (a crash, a lost queue message). When <paramref name="stopping"/> fires it takes no new
    /// alert, lets the sends in flight finish for <see cref="DeliveryOptions.ShutdownTimeout"/>, records them,
    /// and puts back any it had to interrupt: after a stop no claim is left waiting to expire.
    /// </summary>
    public async Task<DeliverySummary> DeliverDueAsync(CancellationToken stopping, DeliveryTally? tally = null)
    {
        var summary = await PassAsync(null, immediate: true, digests: true, digestsDueOnly: true, stopping, tally);
        metrics.OutboxActive(await CountActiveAsync(CancellationToken.None));
        return summary;
    }

    /// <summary>
    /// The fast path of a host that hands out alerts one at a time (a queue message): the due alerts of
    /// that alert's lane, in order. Nothing when the alert is held (a digest, quiet hours, a retry not due,
    /// an older alert of its destination in the way): the due-delivery pass sends it at its time.
    /// </summary>
    public Task<DeliverySummary> DeliverLaneOfAsync(string alertId, CancellationToken stopping) => DeliverLanesOfAsync([alertId], stopping);

    /// <summary>
    /// The same for a batch (one feed's new alerts): each lane they are in, once. A <paramref name="tally"/>
    /// shared by several passes counts what they did together.
    /// </summary>
    public async Task<DeliverySummary> DeliverLanesOfAsync(IReadOnlyList<string> alertIds, CancellationToken stopping, DeliveryTally? tally = null)
    {
        ArgumentNullException.ThrowIfNull(alertIds);
        if (alertIds.Count > ManyLanes)
        {
            // One story to thousands of subscribers: one read of the active index finds their lanes and what is in
            // them, instead of a read per alert and then per lane.
            var wanted = alertIds.ToHashSet(StringComparer.Ordinal);
            var all = await ReadLanesAsync(null, immediate: true, digests: false, stopping);
            var theirs = all.Where(l => l.Value.Exists(a => wanted.Contains(a.AlertId))).ToDictionary(StringComparer.Ordinal);
            return await PassAsync(theirs, digestsDueOnly: true, stopping, tally);
        }

        var lanes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var alertId in alertIds)
        {
            if (await store.GetAsync(alertId, stopping) is { IsActive: true, Alert.Digest: false } record)
            {
                lanes.Add(record.Lane);
            }
        }

        return lanes.Count == 0 ? tally?.Summary ?? DeliverySummary.None : await PassAsync(lanes, immediate: true, digests: false, digestsDueOnly: true, stopping, tally);
    }

    /// <summary>Every digest subscriber's held alerts now, whatever their schedule (`chipalerts digest`).</summary>
    public Task<DeliverySummary> SendAllDigestsAsync(CancellationToken stopping) => PassAsync(null, immediate: false, digests: true, digestsDueOnly: false, stopping);

    /// <summary>Makes a failed or dead alert pending again, due now with its attempts reset; false when it is neither.</summary>
    public async Task<bool> ReplayAsync(string alertId, CancellationToken cancellationToken) =>
        await store.GetAsync(alertId, cancellationToken) is { State: AlertState.Failed or AlertState.Dead } record
        && await store.TryUpdateAsync(record, record with { State = AlertState.Pending, Attempts = 0, DueAt = time.GetUtcNow() }, cancellationToken) is not null;

    public Task<OutboxRecord?> GetAsync(string alertId, CancellationToken cancellationToken) => store.GetAsync(alertId, cancellationToken);

    public Task<IReadOnlyList<OutboxRecord>> ListAsync(AlertState? state, int max, CancellationToken cancellationToken) => store.ListAsync(state, max, cancellationToken);

    public Task<OutboxCounts> CountAsync(CancellationToken cancellationToken) => store.CountAsync(cancellationToken);

    /// <summary>How many alerts are waiting or in flight, from the index of active alerts (not the history).</summary>
    public async Task<int> CountActiveAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var _ in store.ActiveAsync(null, cancellationToken))
        {
            count++;
        }

        return count;
    }

    /// <summary>Above this many alerts, one read of the active index beats a read each.</summary>
    private const int ManyLanes = 64;

    /// <summary>When a new alert is first due: its digest's next scheduled time, the end of quiet hours, or now.</summary>
    private DateTimeOffset FirstDue(Alert alert) => alert.Digest
        ? router.ClockOf(alert.SubscriberId)?.NextDigestAfter(alert.CreatedAt) ?? alert.CreatedAt
        : alert.NotBefore ?? alert.CreatedAt;

    /// <summary>
    /// A pass over the given lanes, or over every lane when <paramref name="only"/> is null; what it did, with
    /// what the earlier passes of a shared <paramref name="tally"/> did.
    /// </summary>
    private async Task<DeliverySummary> PassAsync(IReadOnlyCollection<string>? only, bool immediate, bool digests, bool digestsDueOnly, CancellationToken stopping, DeliveryTally? tally = null) =>
        await PassAsync(await ReadLanesAsync(only, immediate, digests, stopping), digestsDueOnly, stopping, tally);

    /// <summary>The active alerts of the given lanes (every lane when <paramref name="only"/> is null), by lane, oldest first.</summary>
    private async Task<Dictionary<string, List<ActiveAlert>>> ReadLanesAsync(IReadOnlyCollection<string>? only, bool immediate, bool digests, CancellationToken stopping)
    {
        var lanes = new Dictionary<string, List<ActiveAlert>>(StringComparer.Ordinal);
        foreach (var lane in only ?? (IReadOnlyCollection<string?>)[null])
        {
            await foreach (var active in store.ActiveAsync(lane, stopping))
            {
                if (active.Digest ? digests : immediate)
                {
                    (lanes.TryGetValue(active.Lane, out var list) ? list : lanes[active.Lane] = []).Add(active);
                }
            }
        }

        return lanes;
    }

    private async Task<DeliverySummary> PassAsync(Dictionary<string, List<ActiveAlert>> lanes, bool digestsDueOnly, CancellationToken stopping, DeliveryTally? tally = null)
    {
        if (lanes.Count == 0)
        {
            return tally?.Summary ?? DeliverySummary.None;
        }

        // In-flight sends get ShutdownTimeout after a stop to finish; then they are interrupted and put back.
        using var drain = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        using var onStop = stopping.Register(() => drain.CancelAfter(options.ShutdownTimeout));
        var stopped = await sender.OptOutsAsync(stopping);
        tally ??= new DeliveryTally();
        await Parallel.ForEachAsync(lanes.Values, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency }, async (alerts, _) =>
        {
            if (alerts[0].Digest)
            {
                await DigestLaneAsync(alerts, digestsDueOnly, stopped, tally, stopping, drain.Token);
            }
            else
            {
                await LaneAsync(alerts, stopped, tally, stopping, drain.Token);
            }
        });
        return tally.Summary;
    }

    /// <summary>
    /// One destination's alerts, oldest first, while each is due; the first that waits holds back the rest.
    /// A lane sent to the end is read again for alerts added meanwhile (another poller's, whose own pass
    /// found this lane busy and left it to us), until it is empty or waits. An alert's outcome is written
    /// with the claim of the next, in one go (<see cref="IOutboxStore.TryUpdateEachAsync"/>), or alone when
    /// none follows: the next is never sent before the one ahead of it is recorded. While an alert is on the
    /// wire the next is read and readied (its message composed), so the lane's own work overlaps the wait.
    /// </summary>
    private async Task LaneAsync(List<ActiveAlert> lane, OptOutSet stopped, DeliveryTally tally, CancellationToken stopping, CancellationToken drain)
    {
        var tried = new HashSet<string>(StringComparer.Ordinal);
        Sent? unrecorded = null;
        Ahead? ahead = null;
        try
        {
            while (lane.Count > 0)
            {
                for (var i = 0; i < lane.Count; i++)
                {
                    var active = lane[i];
                    var now = time.GetUtcNow();
                    if (!tried.Add(active.AlertId))
                    {
                        continue;
                    }

                    if (stopping.IsCancellationRequested || active.DueAt > now)
                    {
                        return; // the index is never later than the record: this one is not due, and the rest wait behind it
                    }

                    var ready = ahead?.AlertId == active.AlertId ? await ahead.Ready : await ReadyAsync(active, stopping, drain);
                    ahead = null;
                    if (ready.Record is null)
                    {
                        continue; // delivered or failed since the pass began
                    }

                    if (ready.Send is null)
                    {
                        return; // waiting for a retry or the end of quiet hours, or in another deliverer's hands
                    }

                    var following = i + 1 < lane.Count && !tried.Contains(lane[i + 1].AlertId) ? lane[i + 1] : null;
                    (var goOn, unrecorded, ahead) = await AttemptAsync(ready.Record, ready.Send, following, now, unrecorded, stopped, tally, stopping, drain);
                    if (!goOn)
                    {
                        return; // retrying, deferred, claimed elsewhere or interrupted: the rest keep their order behind it
                    }
                }

                var again = new List<ActiveAlert>();
                await foreach (var active in store.ActiveAsync(lane[0].Lane, stopping))
                {
                    if (!tried.Contains(active.AlertId))
                    {
                        again.Add(active);
                    }
                }

                lane = again;
            }
        }
        finally
        {
            if (ahead is not null)
            {
                // Read ahead and not needed (the lane stopped): nothing to undo, and a failure of it is the next pass's to meet.
                await ((Task)ahead.Ready).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            if (unrecorded is not null)
            {
                await RecordAsync(unrecorded, tally);
            }
        }
    }

    /// <summary>
    /// A lane's alert read again (null when it is delivered or failed since the pass began) and, when it is due, its
    /// send readied (null when it waits).
    /// </summary>
    private sealed record Ready(OutboxRecord? Record, PreparedSend? Send);

    /// <summary>The next alert of a lane, being read and readied while the one ahead of it is sent.</summary>
    private sealed record Ahead(string AlertId, Task<Ready> Ready);

    private async Task<Ready> ReadyAsync(ActiveAlert active, CancellationToken stopping, CancellationToken drain)
    {
        if (await store.ReadActiveAsync(active, stopping) is not { } record)
        {
            return new(null, null);
        }

        return record.DueAt > time.GetUtcNow()
            ? new(record, null)
            : new(record, sender.Prepare((await WithLatestSourcesAsync([record.Alert], drain))[0]));
    }

    /// <summary>A send done whose outcome is still to be written: <see cref="Next"/> over the copy <see cref="Claimed"/>.</summary>
    private sealed record Sent(OutboxRecord Claimed, OutboxRecord Next, DeliveryResult Result);

    /// <summary>
    /// Claims the alert (writing the outcome of the one before it in the same go), sends it, and works out what the
    /// channel's verdict makes of it. Whether the lane goes on; the send whose outcome is left for the next claim
    /// (only one the lane goes on after: delivered, or failed for good; any other is written here); and the
    /// <paramref name="following"/> alert, read and readied during the send.
    /// </summary>
    private async Task<(bool GoOn, Sent? Unrecorded, Ahead? Ahead)> AttemptAsync(
        OutboxRecord record, PreparedSend send, ActiveAlert? following, DateTimeOffset now, Sent? before, OptOutSet stopped, DeliveryTally tally, CancellationToken stopping, CancellationToken drain)
    {
        // Store writes are never cancelled: a claim taken must be recorded or released.
        OutboxRecord? claimed;
        if (before is null)
        {
            claimed = await store.TryUpdateAsync(record, Claim(record, now), CancellationToken.None);
        }
        else
        {
            var written = await store.TryUpdateEachAsync([(before.Claimed, before.Next), (record, Claim(record, now))], CancellationToken.None);
            if (!Recorded(before, written[0], tally))
            {
                if (written[1] is { } taken)
                {
                    await store.TryUpdateAsync(taken, record with { Version = taken.Version }, CancellationToken.None); // untaken: it waits behind the one ahead
                }

                return (false, null, null);
            }

            claimed = written[1];
        }

        if (claimed is null)
        {
            return (false, null, null); // another deliverer took it
        }

        var ahead = following is null ? null : new Ahead(following.AlertId, Task.Run(() => ReadyAsync(following, stopping, drain), CancellationToken.None));
        using var activity = ChipAlertsMetrics.Activities.StartActivity(
            "alert.deliver", ActivityKind.Client, parentContext: default, links: LinkTo(record.Alert.TraceParent));
        activity?.SetTag("alert.id", record.AlertId);
        activity?.SetTag("channel.type", record.Alert.Channel.Type);
        DeliveryResult result;
        try
        {
            result = await sender.SendAsync(record.Alert, send, stopped, drain);
        }
        catch (OperationCanceledException) when (drain.IsCancellationRequested)
        {
            await store.TryUpdateAsync(claimed, Released(claimed), CancellationToken.None);
            LogInterrupted(record.AlertId, record.Alert.Channel.Type);
            return (false, null, ahead);
        }

        var sent = new Sent(claimed, After(claimed, result, time.GetUtcNow()), result);
        activity?.SetTag("outcome", sent.Next.State.ToString());
        if (sent.Next.State is AlertState.Delivered or AlertState.Failed or AlertState.Dead)
        {
            return (true, sent, ahead);
        }

        await RecordAsync(sent, tally);
        return (false, null, ahead);
    }

    /// <summary>Writes a send's outcome alone; false when the claim had expired and another deliverer took the alert.</summary>
    private async Task<bool> RecordAsync(Sent sent, DeliveryTally tally) =>
        Recorded(sent, await store.TryUpdateAsync(sent.Claimed, sent.Next, CancellationToken.None), tally);

    /// <summary>Logs and counts a send's outcome once written; when it could not be (<paramref name="written"/> null), says why.</summary>
    private bool Recorded(Sent sent, OutboxRecord? written, DeliveryTally tally)
    {
        if (written is null)
        {
            // Only when our claim expired mid-send and another deliverer took the alert: it decides now.
            LogClaimExpired(sent.Next.AlertId, options.ClaimTimeout);
            return false;
        }

        Log(written, sent.Result);
        tally.Count(written.AlertId, written.State);
        return true;
    }

    /// <summary>A link to the poll that made the alert, when its trace context was recorded.</summary>
    private static ActivityLink[]? LinkTo(string? traceParent) =>
        ActivityContext.TryParse(traceParent, null, out var poll) ? [new ActivityLink(poll)] : null;

    /// <summary>An alert names its story's copies as they are when it goes: those that arrived after it was made too.</summary>
    private async Task<List<Alert>> WithLatestSourcesAsync(List<Alert> alerts, CancellationToken cancellationToken)
    {
        var latest = new Dictionary<string, Stories.Story?>(StringComparer.Ordinal);
        foreach (var id in alerts.Select(a => a.Story?.StoryId).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            latest[id] = await stories.GetStoryAsync(id, cancellationToken);
        }

        return [.. alerts.Select(a => a.Story is { } story && latest.GetValueOrDefault(story.StoryId) is { } now
            ? a with { Story = story with { Sources = [.. now.Members.Select(m => new StorySource(m.FeedName, m.Title, m.Link, m.Published))] } }
            : a)];
    }

    /// <summary>
    /// A subscriber's digest on one channel: when its oldest held alert's scheduled time has come (or
    /// always, when not <paramref name="dueOnly"/>), every held alert in one message.
    /// </summary>
    private async Task DigestLaneAsync(List<ActiveAlert> lane, bool dueOnly, OptOutSet stopped, DeliveryTally tally, CancellationToken stopping, CancellationToken drain)
    {
        var now = time.GetUtcNow();
        if (stopping.IsCancellationRequested || dueOnly && lane.Min(a => a.DueAt) > now)
        {
            return;
        }

        var held = new List<OutboxRecord>();
        foreach (var active in lane)
        {
            if (await store.ReadActiveAsync(active, stopping) is { } record && (record.State == AlertState.Pending || record.DueAt <= now))
            {
                held.Add(record);
            }
        }

        // A subscriber no longer configured has no schedule: what they had waiting goes now.
        var unconfigured = held.Count > 0 && router.ClockOf(held[0].Alert.SubscriberId) is null;
        if (held.Count == 0 || dueOnly && !unconfigured && held.Min(r => r.DueAt) > now)
        {
            return;
        }

        List<OutboxRecord> claimed = [.. (await store.TryUpdateEachAsync([.. held.Select(r => (r, Claim(r, now)))], CancellationToken.None)).OfType<OutboxRecord>()];

        if (claimed.Count == 0)
        {
            return;
        }

        var alerts = await WithLatestSourcesAsync([.. claimed.Select(r => r.Alert)], drain);
        DeliveryResult result;
        try
        {
            result = await sender.SendDigestAsync(alerts, stopped, drain);
        }
        catch (OperationCanceledException) when (drain.IsCancellationRequested)
        {
            await store.TryUpdateEachAsync([.. claimed.Select(r => (r, Released(r)))], CancellationToken.None);
            return;
        }

        var at = time.GetUtcNow();
        foreach (var next in await store.TryUpdateEachAsync([.. claimed.Select(r => (r, After(r, result, at)))], CancellationToken.None))
        {
            if (next is not null)
            {
                tally.Count(next.AlertId, next.State);
                Count(next, result);
            }
        }

        LogDigest(Alert.DigestIdOf(alerts), alerts[0].Channel.Type, alerts.Count, result.Outcome, result.Reason);
    }

    private OutboxRecord Claim(OutboxRecord record, DateTimeOffset now) =>
        record with { State = AlertState.Claimed, DueAt = now + options.ClaimTimeout };

    /// <summary>A claim given back unsent (a stop interrupted the send): due at once, no attempt counted.</summary>
    private OutboxRecord Released(OutboxRecord claimed) =>
        claimed with { State = AlertState.Pending, DueAt = time.GetUtcNow(), LastError = "interrupted: the deliverer stopped during the send" };

    /// <summary>The transition a channel's verdict makes of a claimed alert.</summary>
    internal OutboxRecord After(OutboxRecord claimed, DeliveryResult result, DateTimeOffset now)
    {
        var attempts = claimed.Attempts + 1;
        var reason = result.Reason ?? "unknown";
        return result.Outcome switch
        {
            DeliveryOutcome.Delivered => claimed with { State = AlertState.Delivered, Attempts = attempts, DeliveredAt = now, DueAt = now, LastError = null },
            // Never tried (the endpoint's circuit is open): no attempt counted.
            DeliveryOutcome.Deferred => claimed with { State = AlertState.Pending, DueAt = now + result.RetryAfter.GetValueOrDefault(), LastError = reason },
            DeliveryOutcome.RetryableFailure when attempts < options.MaxAttempts =>
                claimed with { State = AlertState.Pending, Attempts = attempts, DueAt = now + RetryDelay(attempts, result.RetryAfter), LastError = reason },
            DeliveryOutcome.RetryableFailure =>
                claimed with { State = AlertState.Dead, Attempts = attempts, DueAt = now, LastError = $"dead-lettered after {attempts} attempt{(attempts == 1 ? "" : "s")}: {reason}" },
            _ => claimed with { State = AlertState.Failed, Attempts = attempts, DueAt = now, LastError = reason },
        };
    }

    /// <summary>Exponential from RetryDelay, plus up to RetryJitter of it at random, or the server's Retry-After when longer; at least a second.</summary>
    internal TimeSpan RetryDelay(int attempts, TimeSpan? retryAfter)
    {
        var backoff = Backoff.Exponential(options.RetryDelay, attempts, options.MaxRetryDelay);
        backoff += backoff * (options.RetryJitter * random.NextDouble());
        var delay = retryAfter is { } asked && asked > backoff ? asked : backoff;
        return delay < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : delay;
    }

    /// <summary>The metric of a transition.</summary>
    private void Count(OutboxRecord next, DeliveryResult result)
    {
        switch (next.State)
        {
            case AlertState.Delivered: metrics.Delivered(next.Alert, next.DeliveredAt ?? time.GetUtcNow()); break;
            case AlertState.Pending when result.Outcome != DeliveryOutcome.Deferred: metrics.Retried(next.Alert.Channel); break;
            case AlertState.Failed: metrics.Failed(next.Alert.Channel); break;
            case AlertState.Dead: metrics.Dead(next.Alert.Channel); break;
            default: break; // deferred: not tried
        }
    }

    private void Log(OutboxRecord next, DeliveryResult result)
    {
        Count(next, result);
        var channel = next.Alert.Channel.Type;
        switch (next.State)
        {
            case AlertState.Delivered:
                LogDelivered(next.AlertId, channel);
                break;
            case AlertState.Pending when result.Outcome == DeliveryOutcome.Deferred:
                LogDeferred(next.AlertId, channel, result.Reason);
                break;
            case AlertState.Pending:
                LogRetrying(next.AlertId, channel, next.Attempts, next.DueAt - time.GetUtcNow(), result.Reason);
                break;
            default:
                LogFailed(next.AlertId, channel, next.LastError);
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered alert {AlertId} by {Channel}")]
    private partial void LogDelivered(string alertId, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {AlertId} by {Channel} failed (attempt {Attempt}), retrying in {Delay}: {Reason}")]
    private partial void LogRetrying(string alertId, string channel, int attempt, TimeSpan delay, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {AlertId} by {Channel} not tried: {Reason}")]
    private partial void LogDeferred(string alertId, string channel, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {AlertId} by {Channel} was interrupted by a stop; it is due again at once")]
    private partial void LogInterrupted(string alertId, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {AlertId}: the send outlasted its claim ({ClaimTimeout}) and another deliverer took it over")]
    private partial void LogClaimExpired(string alertId, TimeSpan claimTimeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "Digest {DigestId} of {Alerts} alerts by {Channel}: {Outcome} {Reason}")]
    private partial void LogDigest(string digestId, string channel, int alerts, DeliveryOutcome outcome, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert {AlertId} by {Channel} failed permanently: {Reason}")]
    private partial void LogFailed(string alertId, string channel, string? reason);
}

/// <summary>
/// What delivery passes did, each alert counted once by its last state: a cycle that makes several passes
/// (one per feed as its alerts are stored, then the due pass) counts an alert tried in two of them once.
/// Safe to share between the lanes of a pass, which run at once.
/// </summary>
public sealed class DeliveryTally
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, AlertState> last = new(StringComparer.Ordinal);

    public DeliverySummary Summary
    {
        get
        {
            var states = last.Values.ToList();
            return new(
                states.Count(s => s == AlertState.Delivered),
                states.Count(s => s == AlertState.Pending),
                states.Count(s => s is AlertState.Failed or AlertState.Dead));
        }
    }

    /// <summary>Claimed elsewhere or interrupted (no state): counted by whoever finishes it.</summary>
    internal void Count(string alertId, AlertState? state)
    {
        if (state is { } known)
        {
            last[alertId] = known;
        }
    }
}
