using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Ledger;
using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.State;
using ChipAlerts.Core.Stories;
using ChipAlerts.Core.WebSub;

namespace ChipAlerts.Azure.State;

/// <summary>
/// The store on Azure Table Storage, for the Functions app and for local runners that share work.
/// Tables: feeds, items, alerts, alert lanes, opt-outs. Items and alerts are partitioned by the first two
/// hex characters of their key, which spreads load. Every change to an alert or a feed's lease is
/// conditional on the ETag that was read, so of two instances racing for one exactly one wins.
/// <para>
/// The lanes table is the index of active alerts: a partition per lane, a row per pending or claimed alert
/// keyed by its creation time, so a due pass reads what is active and never the delivered history. It
/// is kept in step by every write, with one invariant that makes a crash between two writes harmless:
/// an active alert always has its index row, and the row's DueAt is never later than the alert's. So an
/// index row is written before an alert becomes active or due sooner, and moved later or deleted only after;
/// a row left behind by a crash is dropped when a pass reads the alert behind it.
/// </para>
/// </summary>
public sealed class TableStore : IFeedStateStore, IItemLedger, IOutboxStore, IOptOutStore, IStoryStore, IPushSubscriptionStore
{
    private const string StoryPartition = "story";
    private const string RecentPartition = "recent";

    private const string FeedPartition = "feed";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly TableClient feedTable;
    private readonly TableClient itemTable;
    private readonly TableClient alertTable;
    private readonly TableClient laneTable;
    private readonly TableClient optOutTable;
    private readonly TableClient storyTable;
    private readonly TableClient storyKeyTable;
    private readonly TableClient webSubTable;

    /// <param name="service">The storage account's table service.</param>
    /// <param name="prefix">Prepended to the table names (letters and digits), so several deployments or tests can share an account.</param>
    public TableStore(TableServiceClient service, string prefix = "chipalerts")
    {
        feedTable = service.GetTableClient(prefix + "feeds");
        itemTable = service.GetTableClient(prefix + "items");
        alertTable = service.GetTableClient(prefix + "alerts");
        laneTable = service.GetTableClient(prefix + "alertlanes");
        optOutTable = service.GetTableClient(prefix + "optouts");
        storyTable = service.GetTableClient(prefix + "stories");
        storyKeyTable = service.GetTableClient(prefix + "storykeys");
        webSubTable = service.GetTableClient(prefix + "websub");
        foreach (var table in (TableClient[])[feedTable, itemTable, alertTable, laneTable, optOutTable, storyTable, storyKeyTable, webSubTable])
        {
            table.CreateIfNotExists();
        }

        Location = $"the tables {prefix}* of the storage account {service.AccountName}";
    }

    public string Location { get; }

    public async Task<IReadOnlyDictionary<string, FeedState>> GetFeedStatesAsync(CancellationToken cancellationToken)
    {
        var states = new Dictionary<string, FeedState>(StringComparer.Ordinal);
        await foreach (var e in feedTable.QueryAsync<TableEntity>(e => e.PartitionKey == FeedPartition, cancellationToken: cancellationToken))
        {
            states[e.RowKey] = new FeedState
            {
                FeedId = e.RowKey,
                ETag = e.GetString("HttpETag"),
                LastModified = e.GetString("HttpLastModified"),
                LastPolledAt = e.GetDateTimeOffset("LastPolledAt"),
                NextPollAt = e.GetDateTimeOffset("NextPollAt"),
                LastSuccessAt = e.GetDateTimeOffset("LastSuccessAt"),
                LastErrorCode = e.GetString("LastErrorCode"),
                LastError = e.GetString("LastError"),
                ConsecutiveFailures = e.GetInt32("ConsecutiveFailures") ?? 0,
                ItemsSeen = e.GetInt64("ItemsSeen") ?? 0,
                MovedFrom = e.GetString("MovedFrom"),
                MovedTo = e.GetString("MovedTo"),
                GoneUrl = e.GetString("GoneUrl"),
                MinInterval = e.GetInt64("MinIntervalMs") is { } floor ? TimeSpan.FromMilliseconds(floor) : null,
                AverageGap = e.GetInt64("AverageGapMs") is { } gap ? TimeSpan.FromMilliseconds(gap) : null,
                LastPublishedAt = e.GetDateTimeOffset("LastPublishedAt"),
                FailureReported = e.GetBoolean("FailureReported") ?? false,
                RetryAfterUntil = e.GetDateTimeOffset("RetryAfterUntil"),
                Hub = e.GetString("Hub"),
                Topic = e.GetString("Topic"),
                LeaseUntil = e.GetDateTimeOffset("LeaseUntil"),
                Version = e.ETag.ToString(),
            };
        }

        return states;
    }

    public async Task SaveFeedStateAsync(FeedState state, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(FeedPartition, state.FeedId)
        {
            ["HttpETag"] = state.ETag,
            ["HttpLastModified"] = state.LastModified,
            ["LastPolledAt"] = state.LastPolledAt,
            ["NextPollAt"] = state.NextPollAt,
            ["LastSuccessAt"] = state.LastSuccessAt,
            ["LastErrorCode"] = state.LastErrorCode,
            ["LastError"] = state.LastError,
            ["ConsecutiveFailures"] = state.ConsecutiveFailures,
            ["ItemsSeen"] = state.ItemsSeen,
            ["MovedFrom"] = state.MovedFrom,
            ["MovedTo"] = state.MovedTo,
            ["GoneUrl"] = state.GoneUrl,
            ["MinIntervalMs"] = (long?)state.MinInterval?.TotalMilliseconds,
            ["AverageGapMs"] = (long?)state.AverageGap?.TotalMilliseconds,
            ["LastPublishedAt"] = state.LastPublishedAt,
            ["FailureReported"] = state.FailureReported,
            ["RetryAfterUntil"] = state.RetryAfterUntil,
            ["Hub"] = state.Hub,
            ["Topic"] = state.Topic,
        };
        // Replace drops LeaseUntil: saving the poll's outcome releases the lease.
        await feedTable.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<FeedState?> TryLeaseAsync(FeedState seen, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken)
    {
        if (seen.LeaseUntil > now)
        {
            return null;
        }

        var lease = new TableEntity(FeedPartition, seen.FeedId) { ["LeaseUntil"] = until };
        try
        {
            var response = seen.Version is null
                ? await feedTable.AddEntityAsync(lease, cancellationToken)
                : await feedTable.UpdateEntityAsync(lease, new ETag(seen.Version), TableUpdateMode.Merge, cancellationToken);
            return seen with { LeaseUntil = until, Version = response.Headers.ETag?.ToString() };
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed)
        {
            return null; // another poller leased or polled it since the plan read it
        }
    }

    public async Task<IReadOnlyList<FeedItem>> FilterNewAsync(IReadOnlyList<FeedItem> items, DateTimeOffset now, TimeSpan fingerprintWindow, CancellationToken cancellationToken)
    {
        var fresh = new List<FeedItem>();
        var rotated = new List<FeedItem>();
        var inThisBatch = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (!inThisBatch.Add(item.Key)
                || (await itemTable.GetEntityIfExistsAsync<TableEntity>(Partition(item.Key), item.Key, ["RowKey"], cancellationToken)).HasValue)
            {
                continue;
            }

            if (item.Fingerprint is { } fingerprint && fingerprintWindow > TimeSpan.Zero
                && (!inThisBatch.Add($"fp|{item.FeedId}|{fingerprint}")
                    || (await itemTable.GetEntityIfExistsAsync<TableEntity>(FingerprintPartition(item.FeedId), fingerprint, ["LastSeenAt"], cancellationToken)) is { HasValue: true } known
                        && known.Value!.GetDateTimeOffset("LastSeenAt") >= now - fingerprintWindow))
            {
                rotated.Add(item);
                continue;
            }

            fresh.Add(item);
        }

        await MarkSeenAsync(rotated, now, cancellationToken);
        return fresh;
    }

    /// <summary>An item row under its key, and a fingerprint row per feed whose LastSeenAt slides forward with every sighting.</summary>
    public async Task MarkSeenAsync(IReadOnlyList<FeedItem> items, DateTimeOffset seenAt, CancellationToken cancellationToken)
    {
        foreach (var item in items)
        {
            var entity = new TableEntity(Partition(item.Key), item.Key)
            {
                ["FeedId"] = item.FeedId,
                ["Title"] = item.Title,
                ["Summary"] = item.Summary,
                ["Link"] = item.Link,
                ["PublishedAt"] = item.Published,
                ["FirstSeenAt"] = seenAt,
            };
            await itemTable.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
            if (item.Fingerprint is { } fingerprint)
            {
                await itemTable.UpsertEntityAsync(new TableEntity(FingerprintPartition(item.FeedId), fingerprint) { ["LastSeenAt"] = seenAt }, TableUpdateMode.Replace, cancellationToken);
            }
        }
    }

    private static string FingerprintPartition(string feedId) => "fp-" + feedId;

    public async Task<IReadOnlyList<FeedItem>> GetRecentAsync(DateTimeOffset since, int max, CancellationToken cancellationToken)
    {
        // A scan across partitions: for the operator's preview, not for the pipeline.
        var items = new List<(DateTimeOffset Seen, FeedItem Item)>();
        await foreach (var e in itemTable.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"FirstSeenAt ge {since}"), cancellationToken: cancellationToken))
        {
            items.Add((e.GetDateTimeOffset("FirstSeenAt") ?? since, new FeedItem
            {
                Key = e.RowKey,
                FeedId = e.GetString("FeedId"),
                Title = e.GetString("Title") ?? "",
                Summary = e.GetString("Summary") ?? "",
                Link = e.GetString("Link"),
                Published = e.GetDateTimeOffset("PublishedAt"),
            }));
        }

        return [.. items.OrderByDescending(i => i.Seen).Take(max).Select(i => i.Item)];
    }

    public async Task<IReadOnlyList<string>> InsertAsync(IReadOnlyList<OutboxRecord> records, CancellationToken cancellationToken)
    {
        var added = new List<string>();
        foreach (var record in records)
        {
            if (record.IsActive)
            {
                await laneTable.UpsertEntityAsync(LaneEntity(record), TableUpdateMode.Replace, cancellationToken);
            }

            try
            {
                await alertTable.AddEntityAsync(AlertEntity(record), cancellationToken);
                added.Add(record.AlertId);
            }
            catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.Conflict)
            {
                // Already held, in whatever state: deriving an alert again never resets it. Our index row goes
                // unless it is the held alert's own (the same creation time), which then gets its DueAt back.
                var held = (await GetAsync(record.AlertId, cancellationToken))!;
                if (held.IsActive && RowOf(held) == RowOf(record))
                {
                    await laneTable.UpsertEntityAsync(LaneEntity(held), TableUpdateMode.Replace, cancellationToken);
                }
                else if (record.IsActive)
                {
                    await DeleteLaneRowAsync(LaneKey(record.Lane), RowOf(record), ETag.All, cancellationToken);
                }
            }
        }

        return added;
    }

    public async Task<OutboxRecord?> GetAsync(string alertId, CancellationToken cancellationToken)
    {
        var found = await alertTable.GetEntityIfExistsAsync<TableEntity>(Partition(alertId), alertId, cancellationToken: cancellationToken);
        return found.HasValue ? ToRecord(found.Value!) : null;
    }

    public async Task<OutboxRecord?> TryUpdateAsync(OutboxRecord current, OutboxRecord next, CancellationToken cancellationToken)
    {
        // Sooner (or active again): the index first, so it is never later than the alert.
        if (next.IsActive && (!current.IsActive || next.DueAt < current.DueAt))
        {
            await laneTable.UpsertEntityAsync(LaneEntity(next), TableUpdateMode.Replace, cancellationToken);
        }

        Response response;
        try
        {
            response = await alertTable.UpdateEntityAsync(AlertEntity(next), new ETag(current.Version!), TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.NotFound)
        {
            return null; // another writer changed it since it was read
        }

        // Later or done: the index after. A claim leaves the row as it is (earlier than the claim's end is allowed).
        if (!next.IsActive)
        {
            await DeleteLaneRowAsync(LaneKey(next.Lane), RowOf(next), ETag.All, cancellationToken);
        }
        else if (next.State == AlertState.Pending && next.DueAt > current.DueAt)
        {
            await laneTable.UpsertEntityAsync(LaneEntity(next), TableUpdateMode.Replace, cancellationToken);
        }

        return next with { Version = response.Headers.ETag?.ToString() };
    }

    public async Task<IReadOnlyList<OutboxRecord?>> TryUpdateEachAsync(IReadOnlyList<(OutboxRecord Current, OutboxRecord Next)> updates, CancellationToken cancellationToken)
    {
        // Alerts are spread over partitions and each update may move its lane's index row too, so no entity-group
        // transaction holds them: the updates go side by side, a few at a time, each as it would alone.
        var written = new OutboxRecord?[updates.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, updates.Count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, token) =>
            written[i] = await TryUpdateAsync(updates[i].Current, updates[i].Next, token));
        return written;
    }

    public async IAsyncEnumerable<ActiveAlert> ActiveAsync(string? lane, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = lane is null ? null : TableClient.CreateQueryFilter($"PartitionKey eq {LaneKey(lane)}");
        await foreach (var e in laneTable.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            // The creation time from the row key, exact to the tick, so the row is recognised as the alert's own.
            var createdAt = new DateTimeOffset(long.Parse(e.RowKey.AsSpan(0, 19), CultureInfo.InvariantCulture), TimeSpan.Zero);
            yield return new ActiveAlert(e.GetString("AlertId"), e.GetString("Lane"), e.GetBoolean("Digest") ?? false, createdAt, e.GetDateTimeOffset("DueAt")!.Value)
            {
                IndexVersion = e.ETag.ToString(),
            };
        }
    }

    public async Task<OutboxRecord?> ReadActiveAsync(ActiveAlert active, CancellationToken cancellationToken)
    {
        if (await GetAsync(active.AlertId, cancellationToken) is { IsActive: true } record && RowOf(record) == RowOf(active.AlertId, active.CreatedAt))
        {
            return record;
        }

        // Left behind by a crash between two writes, or by an alert re-derived while it was held: dropped,
        // unless it changed since it was read (then it is some writer's fresh row).
        await DeleteLaneRowAsync(LaneKey(active.Lane), RowOf(active.AlertId, active.CreatedAt), new ETag(active.IndexVersion!), cancellationToken);
        return null;
    }

    public async Task<IReadOnlyList<OutboxRecord>> ListAsync(AlertState? state, int max, CancellationToken cancellationToken)
    {
        // A scan of every alert: for the operator's commands, not for delivery.
        var found = new List<TableEntity>();
        var filter = state is { } only ? TableClient.CreateQueryFilter($"Status eq {only.ToString()}") : null;
        await foreach (var e in alertTable.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            found.Add(e);
        }

        return [.. found.OrderBy(e => e.GetDateTimeOffset("CreatedAt")).ThenBy(e => e.RowKey, StringComparer.Ordinal).Take(max).Select(ToRecord)];
    }

    public async Task<OutboxCounts> CountAsync(CancellationToken cancellationToken)
    {
        // A scan of every alert: for the operator's status, not for delivery.
        int pending = 0, delivered = 0, failed = 0, dead = 0;
        await foreach (var e in alertTable.QueryAsync<TableEntity>(select: ["Status"], cancellationToken: cancellationToken))
        {
            switch (e.GetString("Status"))
            {
                case nameof(AlertState.Pending) or nameof(AlertState.Claimed): pending++; break;
                case nameof(AlertState.Delivered): delivered++; break;
                case nameof(AlertState.Dead): dead++; break;
                default: failed++; break;
            }
        }

        return new OutboxCounts(pending, delivered, failed, dead);
    }

    private static TableEntity AlertEntity(OutboxRecord record) => new(Partition(record.AlertId), record.AlertId)
    {
        ["SubscriberId"] = record.Alert.SubscriberId,
        ["Channel"] = record.Alert.Channel.ToString(),
        ["Lane"] = record.Lane,
        ["ItemKey"] = record.Alert.Item.Key,
        ["Payload"] = JsonSerializer.Serialize(record.Alert, Json),
        ["Status"] = record.State.ToString(),
        ["Attempts"] = record.Attempts,
        ["CreatedAt"] = record.Alert.CreatedAt,
        ["NextAttemptAt"] = record.DueAt,
        ["DeliveredAt"] = record.DeliveredAt,
        ["LastError"] = record.LastError,
        ["Digest"] = record.Alert.Digest,
    };

    private static OutboxRecord ToRecord(TableEntity e) => new()
    {
        Alert = JsonSerializer.Deserialize<Alert>(e.GetString("Payload"), Json)!,
        State = Enum.Parse<AlertState>(e.GetString("Status")),
        Attempts = e.GetInt32("Attempts") ?? 0,
        LastError = e.GetString("LastError"),
        DueAt = e.GetDateTimeOffset("NextAttemptAt")!.Value,
        DeliveredAt = e.GetDateTimeOffset("DeliveredAt"),
        Version = e.ETag.ToString(),
    };

    private static TableEntity LaneEntity(OutboxRecord record) => new(LaneKey(record.Lane), RowOf(record))
    {
        ["AlertId"] = record.AlertId,
        ["Lane"] = record.Lane,
        ["Digest"] = record.Alert.Digest,
        ["DueAt"] = record.DueAt,
    };

    /// <summary>A lane's partition: hashed, since lanes hold characters a key may not ('/', '#', '?', newlines).</summary>
    private static string LaneKey(string lane) => ItemKeys.Hash(lane);

    /// <summary>Oldest first within a lane: the creation time in ticks, then the id.</summary>
    private static string RowOf(OutboxRecord record) => RowOf(record.AlertId, record.Alert.CreatedAt);

    private static string RowOf(string alertId, DateTimeOffset createdAt) =>
        createdAt.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "-" + alertId;

    private async Task DeleteLaneRowAsync(string partition, string row, ETag ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            await laneTable.DeleteEntityAsync(partition, row, ifMatch, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.NotFound or (int)HttpStatusCode.PreconditionFailed)
        {
            // gone already, or rewritten by a writer since it was read: either way not ours to drop
        }
    }

    public async Task<bool> AddOptOutAsync(OptOut optOut, CancellationToken cancellationToken)
    {
        try
        {
            await optOutTable.AddEntityAsync(new TableEntity("optout", OptOutRow(optOut.SubscriberId, optOut.Channel)) { ["Payload"] = JsonSerializer.Serialize(optOut, Json) }, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    public async Task<bool> RemoveOptOutAsync(string subscriberId, ChannelAddress channel, CancellationToken cancellationToken)
    {
        var response = await optOutTable.DeleteEntityAsync("optout", OptOutRow(subscriberId, channel), cancellationToken: cancellationToken);
        return response.Status != (int)HttpStatusCode.NotFound;
    }

    public async Task<IReadOnlyList<OptOut>> GetOptOutsAsync(CancellationToken cancellationToken)
    {
        var optOuts = new List<OptOut>();
        await foreach (var e in optOutTable.QueryAsync<TableEntity>(e => e.PartitionKey == "optout", cancellationToken: cancellationToken))
        {
            optOuts.Add(JsonSerializer.Deserialize<OptOut>(e.GetString("Payload"), Json)!);
        }

        return [.. optOuts.OrderBy(o => o.SubscriberId, StringComparer.Ordinal).ThenBy(o => o.Channel.ToString(), StringComparer.Ordinal)];
    }

    // WebSub subscriptions: one row per feed (its id hashed: ids may hold characters a key may not), the record as JSON,
    // conditional on the ETag read; the token a callback carries is a property, found by a query of the one partition.

    private const string WebSubPartition = "websub";

    public async Task<IReadOnlyList<PushSubscription>> GetPushSubscriptionsAsync(CancellationToken cancellationToken)
    {
        var subscriptions = new List<PushSubscription>();
        await foreach (var e in webSubTable.QueryAsync<TableEntity>(e => e.PartitionKey == WebSubPartition, cancellationToken: cancellationToken))
        {
            subscriptions.Add(Subscription(e));
        }

        return [.. subscriptions.OrderBy(s => s.FeedId, StringComparer.Ordinal)];
    }

    public async Task<PushSubscription?> GetPushSubscriptionByTokenAsync(string token, CancellationToken cancellationToken)
    {
        await foreach (var e in webSubTable.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {WebSubPartition} and Token eq {token}"), cancellationToken: cancellationToken))
        {
            return Subscription(e);
        }

        return null;
    }

    private static PushSubscription Subscription(TableEntity e) =>
        JsonSerializer.Deserialize<PushSubscription>(e.GetString("Payload"), Json)! with { Version = e.ETag.ToString() };

    public async Task<PushSubscription?> TrySavePushSubscriptionAsync(PushSubscription subscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        var entity = new TableEntity(WebSubPartition, ItemKeys.Hash(subscription.FeedId))
        {
            ["Token"] = subscription.Token,
            ["Payload"] = JsonSerializer.Serialize(subscription, Json),
        };
        try
        {
            var response = subscription.Version is null
                ? await webSubTable.AddEntityAsync(entity, cancellationToken)
                : await webSubTable.UpdateEntityAsync(entity, new ETag(subscription.Version), TableUpdateMode.Replace, cancellationToken);
            return subscription with { Version = response.Headers.ETag?.ToString() };
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.NotFound)
        {
            return null; // another writer made, changed or removed it since it was read
        }
    }

    public async Task DeletePushSubscriptionAsync(string feedId, CancellationToken cancellationToken) =>
        await webSubTable.DeleteEntityAsync(WebSubPartition, ItemKeys.Hash(feedId), cancellationToken: cancellationToken);

    /// <summary>A row key from the pair: hashed, since addresses may hold characters a key may not ('/', '#', '?').</summary>
    private static string OptOutRow(string subscriberId, ChannelAddress channel) => ItemKeys.Hash(OptOut.KeyOf(subscriberId, channel));

    private static string Partition(string key) => key[..Math.Min(2, key.Length)];

    // Stories: a row per story (its JSON as UTF-8 bytes, conditional on the ETag read), and a key table whose
    // partition is the key and whose rows sort newest first (inverted ticks), so a lookup reads the newest rows
    // of the keys asked for and nothing else. Partition "recent" of the key table lists stories by when last seen.

    public async Task<IReadOnlyList<Story>> FindStoriesAsync(IReadOnlyCollection<string> keys, DateTimeOffset since, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var bound = NewestFirst(since);
        var rows = await Task.WhenAll(keys.Select(async key =>
        {
            var found = new List<(string Row, string StoryId)>();
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {KeyPartition(key)} and RowKey le {bound}");
            await foreach (var e in storyKeyTable.QueryAsync<TableEntity>(filter, maxPerPage: IStoryStore.RowsPerKey, select: ["RowKey"], cancellationToken: cancellationToken))
            {
                found.Add((e.RowKey, e.RowKey[(e.RowKey.IndexOf('_', StringComparison.Ordinal) + 1)..]));
                if (found.Count >= IStoryStore.RowsPerKey)
                {
                    break;
                }
            }

            return found;
        }));
        // The stories sharing the most keys first (the share of MinHash keys shared estimates similarity), then the newest.
        var ids = rows.SelectMany(r => r)
            .GroupBy(r => r.StoryId, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.Min(r => r.Row), StringComparer.Ordinal)
            .Select(g => g.Key)
            .Take(max)
            .ToList();
        var stories = await Task.WhenAll(ids.Select(id => GetStoryAsync(id, cancellationToken)));
        return [.. stories.OfType<Story>()];
    }

    public async Task<string?> SaveStoryAsync(Story story, IReadOnlyCollection<string> newKeys, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(story);
        ArgumentNullException.ThrowIfNull(newKeys);
        // Keys first: a key without its story (a crash in between) finds nothing and is harmless; a story without its keys could not be found.
        var row = $"{NewestFirst(at)}_{story.StoryId}";
        await Task.WhenAll(newKeys.Select(key => storyKeyTable.UpsertEntityAsync(new TableEntity(KeyPartition(key), row), TableUpdateMode.Replace, cancellationToken)));
        var entity = new TableEntity(StoryPartition, story.StoryId)
        {
            ["Payload"] = JsonSerializer.SerializeToUtf8Bytes(story, Json),
            ["CreatedAt"] = story.CreatedAt,
            ["LastSeenAt"] = story.LastSeenAt,
        };
        try
        {
            var response = story.Version is null
                ? await storyTable.AddEntityAsync(entity, cancellationToken)
                : await storyTable.UpdateEntityAsync(entity, new ETag(story.Version), TableUpdateMode.Replace, cancellationToken);
            await storyKeyTable.UpsertEntityAsync(new TableEntity(RecentPartition, $"{NewestFirst(story.LastSeenAt)}_{story.StoryId}"), TableUpdateMode.Replace, cancellationToken);
            return response.Headers.ETag?.ToString();
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed)
        {
            return null;
        }
    }

    public async Task<Story?> GetStoryAsync(string storyId, CancellationToken cancellationToken)
    {
        var response = await storyTable.GetEntityIfExistsAsync<TableEntity>(StoryPartition, storyId, cancellationToken: cancellationToken);
        return response.HasValue && response.Value is { } e
            ? JsonSerializer.Deserialize<Story>(e.GetBinary("Payload"), Json)! with { Version = e.ETag.ToString() }
            : null;
    }

    public async Task<IReadOnlyList<Story>> RecentStoriesAsync(int max, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var e in storyKeyTable.QueryAsync<TableEntity>(e => e.PartitionKey == RecentPartition, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            var id = e.RowKey[(e.RowKey.IndexOf('_', StringComparison.Ordinal) + 1)..];
            if (!ids.Contains(id))
            {
                ids.Add(id);
            }

            if (ids.Count >= max)
            {
                break;
            }
        }

        var stories = await Task.WhenAll(ids.Select(id => GetStoryAsync(id, cancellationToken)));
        return [.. stories.OfType<Story>()];
    }

    /// <summary>Row keys that sort the newest first: the ticks left to the end of time, 19 digits.</summary>
    private static string NewestFirst(DateTimeOffset instant) =>
        (DateTimeOffset.MaxValue.UtcTicks - instant.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>Story keys are hex and ASCII letters, digits and ':'; a partition key may hold them as they are.</summary>
    private static string KeyPartition(string key) => key;
}
