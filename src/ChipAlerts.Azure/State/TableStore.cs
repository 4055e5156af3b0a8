using System.Net;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.State;

namespace ChipAlerts.Azure.State;

/// <summary>
/// The store on Azure Table Storage, for the Functions app and for local runners that share work.
/// Three tables: feeds, items, alerts. Items and alerts are partitioned by the first two hex characters
/// of their key, which spreads load. Every change to an alert is conditional on the ETag that was read,
/// so of two instances racing for one alert exactly one wins.
/// </summary>
public sealed class TableStore : IFeedStateStore, IItemLedger, IOutbox, IOptOutStore
{
    private const string FeedPartition = "feed";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly TableClient feedTable;
    private readonly TableClient itemTable;
    private readonly TableClient alertTable;
    private readonly TableClient optOutTable;

    /// <param name="service">The storage account's table service.</param>
    /// <param name="prefix">Prepended to the table names (letters and digits), so several deployments or tests can share an account.</param>
    public TableStore(TableServiceClient service, string prefix = "chipalerts")
    {
        feedTable = service.GetTableClient(prefix + "feeds");
        itemTable = service.GetTableClient(prefix + "items");
        alertTable = service.GetTableClient(prefix + "alerts");
        optOutTable = service.GetTableClient(prefix + "optouts");
        foreach (var table in (TableClient[])[feedTable, itemTable, alertTable, optOutTable])
        {
            table.CreateIfNotExists();
        }
    }

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
        };
        await feedTable.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
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

    public async Task<IReadOnlyList<string>> AddAsync(IReadOnlyList<Alert> alerts, CancellationToken cancellationToken)
    {
        var added = new List<string>();
        foreach (var alert in alerts)
        {
            var entity = new TableEntity(Partition(alert.AlertId), alert.AlertId)
            {
                ["SubscriberId"] = alert.SubscriberId,
                ["Channel"] = alert.Channel.ToString(),
                ["ItemKey"] = alert.Item.Key,
                ["Payload"] = JsonSerializer.Serialize(alert, Json),
                ["Status"] = nameof(AlertStatus.Pending),
                ["Attempts"] = 0,
                ["CreatedAt"] = alert.CreatedAt,
                ["NextAttemptAt"] = alert.NotBefore ?? alert.CreatedAt,
                ["Digest"] = alert.Digest,
            };
            try
            {
                await alertTable.AddEntityAsync(entity, cancellationToken);
                added.Add(alert.AlertId);
            }
            catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.Conflict)
            {
                // Already held, in whatever state: deriving an alert again never resets it.
            }
        }

        return added;
    }

    public async Task<IReadOnlyList<OutboxEntry>> GetDueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        // Every pending alert, not only the due ones: an older one waiting or claimed holds back its channel's later ones.
        var pending = new List<TableEntity>();
        await foreach (var e in alertTable.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"Status eq {nameof(AlertStatus.Pending)} and Digest eq false"), cancellationToken: cancellationToken))
        {
            pending.Add(e);
        }

        var blockedSince = pending
            .Where(e => e.GetDateTimeOffset("NextAttemptAt") > now || e.GetDateTimeOffset("ClaimedUntil") > now)
            .GroupBy(e => e.GetString("Channel"), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Min(e => e.GetDateTimeOffset("CreatedAt")), StringComparer.Ordinal);
        return [.. pending
            .Where(e => e.GetDateTimeOffset("NextAttemptAt") <= now && !(e.GetDateTimeOffset("ClaimedUntil") > now))
            .Where(e => !blockedSince.TryGetValue(e.GetString("Channel"), out var since) || e.GetDateTimeOffset("CreatedAt") < since)
            .OrderBy(e => e.GetDateTimeOffset("CreatedAt"))
            .ThenBy(e => e.RowKey, StringComparer.Ordinal)
            .Take(max)
            .Select(ToEntry)];
    }

    public async Task<IReadOnlyList<OutboxEntry>> GetDigestAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var found = new List<TableEntity>();
        var filter = TableClient.CreateQueryFilter($"Status eq {nameof(AlertStatus.Pending)} and Digest eq true");
        await foreach (var e in alertTable.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (e.GetDateTimeOffset("ClaimedUntil") is not { } claimed || claimed <= now)
            {
                found.Add(e);
            }
        }

        return [.. found
            .OrderBy(e => e.GetDateTimeOffset("CreatedAt"))
            .ThenBy(e => e.RowKey, StringComparer.Ordinal)
            .Select(ToEntry)];
    }

    public async Task<OutboxEntry?> GetAsync(string alertId, CancellationToken cancellationToken)
    {
        var found = await alertTable.GetEntityIfExistsAsync<TableEntity>(Partition(alertId), alertId, cancellationToken: cancellationToken);
        return found.HasValue ? ToEntry(found.Value!) : null;
    }

    private static OutboxEntry ToEntry(TableEntity e) => new()
    {
        Alert = JsonSerializer.Deserialize<Alert>(e.GetString("Payload"), Json)!,
        Status = Enum.Parse<AlertStatus>(e.GetString("Status")),
        Attempts = e.GetInt32("Attempts") ?? 0,
        LastError = e.GetString("LastError"),
        NextAttemptAt = e.GetDateTimeOffset("NextAttemptAt"),
    };

    public async Task<bool> TryClaimAsync(string alertId, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var found = await alertTable.GetEntityIfExistsAsync<TableEntity>(Partition(alertId), alertId, cancellationToken: cancellationToken);
        if (!found.HasValue || found.Value!.GetString("Status") != nameof(AlertStatus.Pending)
            || found.Value.GetDateTimeOffset("ClaimedUntil") is { } claimed && claimed > now)
        {
            return false;
        }

        var entity = found.Value;
        entity["ClaimedUntil"] = until;
        try
        {
            // Conditional on the ETag we read: if another instance claimed or changed it since, we lose.
            await alertTable.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.PreconditionFailed)
        {
            return false;
        }
    }

    public Task MarkDeliveredAsync(string alertId, DateTimeOffset at, CancellationToken cancellationToken) =>
        UpdateAlertAsync(alertId, e =>
        {
            e["Status"] = nameof(AlertStatus.Delivered);
            e["DeliveredAt"] = at;
            e["LastError"] = null;
        }, cancellationToken);

    public Task DeferAsync(string alertId, DateTimeOffset until, string reason, CancellationToken cancellationToken) =>
        UpdateAlertAsync(alertId, e =>
        {
            e["NextAttemptAt"] = until;
            e["LastError"] = reason;
        }, cancellationToken, countAttempt: false);

    public Task MarkFailedAsync(string alertId, string error, DateTimeOffset nextAttemptAt, AlertStatus status, CancellationToken cancellationToken) =>
        UpdateAlertAsync(alertId, e =>
        {
            e["Status"] = status.ToString();
            e["NextAttemptAt"] = nextAttemptAt;
            e["LastError"] = error;
        }, cancellationToken);

    public async Task<IReadOnlyList<OutboxEntry>> ListAsync(AlertStatus? status, int max, CancellationToken cancellationToken)
    {
        var found = new List<TableEntity>();
        var filter = status is { } only ? TableClient.CreateQueryFilter($"Status eq {only.ToString()}") : null;
        await foreach (var e in alertTable.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            found.Add(e);
        }

        return [.. found.OrderBy(e => e.GetDateTimeOffset("CreatedAt")).ThenBy(e => e.RowKey, StringComparer.Ordinal).Take(max).Select(ToEntry)];
    }

    public async Task<bool> ReplayAsync(string alertId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var found = await alertTable.GetEntityIfExistsAsync<TableEntity>(Partition(alertId), alertId, cancellationToken: cancellationToken);
        if (!found.HasValue || found.Value!.GetString("Status") is not (nameof(AlertStatus.Failed) or nameof(AlertStatus.Dead)))
        {
            return false;
        }

        var entity = found.Value;
        entity["Status"] = nameof(AlertStatus.Pending);
        entity["Attempts"] = 0;
        entity["NextAttemptAt"] = now;
        entity["ClaimedUntil"] = null;
        try
        {
            await alertTable.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.PreconditionFailed)
        {
            return false; // changed meanwhile (another replay): that one won
        }
    }

    public async Task<OutboxCounts> CountAsync(CancellationToken cancellationToken)
    {
        int pending = 0, delivered = 0, failed = 0, dead = 0;
        await foreach (var e in alertTable.QueryAsync<TableEntity>(select: ["Status"], cancellationToken: cancellationToken))
        {
            switch (e.GetString("Status"))
            {
                case nameof(AlertStatus.Pending): pending++; break;
                case nameof(AlertStatus.Delivered): delivered++; break;
                case nameof(AlertStatus.Dead): dead++; break;
                default: failed++; break;
            }
        }

        return new OutboxCounts(pending, delivered, failed, dead);
    }

    /// <summary>Read, change, write back conditionally on the ETag; on a lost race, read again.</summary>
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

    /// <summary>A row key from the pair: hashed, since addresses may hold characters a key may not ('/', '#', '?').</summary>
    private static string OptOutRow(string subscriberId, ChannelAddress channel) => ItemKeys.Hash(OptOut.KeyOf(subscriberId, channel));

    private async Task UpdateAlertAsync(string alertId, Action<TableEntity> change, CancellationToken cancellationToken, bool countAttempt = true)
    {
        for (var attempt = 1; ; attempt++)
        {
            var entity = (await alertTable.GetEntityAsync<TableEntity>(Partition(alertId), alertId, cancellationToken: cancellationToken)).Value;
            change(entity);
            entity["Attempts"] = (entity.GetInt32("Attempts") ?? 0) + (countAttempt ? 1 : 0);
            entity["ClaimedUntil"] = null;
            try
            {
                await alertTable.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken);
                return;
            }
            catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.PreconditionFailed && attempt < 5)
            {
            }
        }
    }

    private static string Partition(string key) => key[..Math.Min(2, key.Length)];
}
