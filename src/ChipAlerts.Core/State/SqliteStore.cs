using System.Runtime.CompilerServices;
using System.Text.Json;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Ledger;
using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.Stories;
using ChipAlerts.Core.WebSub;
using Microsoft.Data.Sqlite;

namespace ChipAlerts.Core.State;

/// <summary>
/// The embedded store: one SQLite file in WAL mode. Reads use pooled connections side by side; writes go
/// one at a time through <see cref="WriteAsync{T}"/>, so the process never meets its own write lock and
/// never waits out SQLite's busy retries (150 ms sleeps each). Instants are stored as Unix milliseconds (UTC).
/// </summary>
public sealed class SqliteStore : IFeedStateStore, IItemLedger, IOutboxStore, IOptOutStore, IStoryStore, IPushSubscriptionStore, IDisposable
{
    private const string Active = "status IN ('Pending', 'Claimed')";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly string connectionString;
    private readonly SemaphoreSlim writer = new(1, 1);

    public SqliteStore(string path)
    {
        var full = Path.GetFullPath(path);
        Location = full;
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode = WAL");
        // The schema is made or brought up to date in one write transaction: two runners starting at once on a
        // new file would otherwise both see a column missing and the second ALTER would fail.
        Execute(connection, "BEGIN IMMEDIATE");
        try
        {
            CreateOrUpgrade(connection);
            Execute(connection, "COMMIT");
        }
        catch
        {
            Execute(connection, "ROLLBACK");
            throw;
        }
    }

    private static void CreateOrUpgrade(SqliteConnection connection)
    {
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS feeds (
                feed_id TEXT PRIMARY KEY, etag TEXT, last_modified TEXT,
                last_polled_at INTEGER, next_poll_at INTEGER, last_success_at INTEGER,
                last_error_code TEXT, last_error TEXT, consecutive_failures INTEGER NOT NULL DEFAULT 0,
                items_seen INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE IF NOT EXISTS items (
                item_key TEXT PRIMARY KEY, feed_id TEXT NOT NULL, title TEXT NOT NULL, link TEXT,
                published_at INTEGER, first_seen_at INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS alerts (
                alert_id TEXT PRIMARY KEY, subscriber_id TEXT NOT NULL, channel TEXT NOT NULL,
                item_key TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,
                next_attempt_at INTEGER NOT NULL, delivered_at INTEGER, last_error TEXT, claimed_until INTEGER,
                digest INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE IF NOT EXISTS stories (
                story_id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL,
                payload TEXT NOT NULL, version INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS story_keys (
                key TEXT NOT NULL, added_at INTEGER NOT NULL, story_id TEXT NOT NULL,
                PRIMARY KEY (key, added_at, story_id)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS stories_recent ON stories (last_seen_at);
            CREATE TABLE IF NOT EXISTS push_subscriptions (
                feed_id TEXT PRIMARY KEY, token TEXT NOT NULL UNIQUE, payload TEXT NOT NULL, version INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS opt_outs (
                subscriber_id TEXT NOT NULL, channel TEXT NOT NULL, payload TEXT NOT NULL,
                PRIMARY KEY (subscriber_id, channel));
            """);
        AddColumnIfMissing(connection, "alerts", "digest", "INTEGER NOT NULL DEFAULT 0");
        AddColumnIfMissing(connection, "alerts", "version", "INTEGER NOT NULL DEFAULT 0");
        if (AddColumnIfMissing(connection, "alerts", "lane", "TEXT"))
        {
            // The lanes of alerts stored before there were lanes (see OutboxRecord.LaneOf).
            Execute(connection, "UPDATE alerts SET lane = CASE digest WHEN 1 THEN 'digest' || char(10) || subscriber_id || char(10) || channel ELSE channel END");
        }

        AddColumnIfMissing(connection, "items", "summary", "TEXT NOT NULL DEFAULT ''");
        AddColumnIfMissing(connection, "items", "fingerprint", "TEXT");
        foreach (var column in (string[])["moved_from TEXT", "moved_to TEXT", "gone_url TEXT", "min_interval_ms INTEGER", "average_gap_ms INTEGER", "last_published_at INTEGER", "failure_reported INTEGER NOT NULL DEFAULT 0", "lease_until INTEGER", "version INTEGER NOT NULL DEFAULT 0", "retry_after_until INTEGER", "hub TEXT", "topic TEXT"])
        {
            AddColumnIfMissing(connection, "feeds", column[..column.IndexOf(' ', StringComparison.Ordinal)], column[(column.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        }

        Execute(connection, "CREATE INDEX IF NOT EXISTS items_fingerprint ON items (feed_id, fingerprint, first_seen_at)");
        Execute(connection, "CREATE INDEX IF NOT EXISTS items_seen ON items (first_seen_at)");
        // The index of active alerts: it holds only pending and claimed ones, so a due pass never reads the delivered history.
        Execute(connection, "DROP INDEX IF EXISTS alerts_due; DROP INDEX IF EXISTS alerts_claimed");
        Execute(connection, $"CREATE INDEX IF NOT EXISTS alerts_active ON alerts (lane, created_at, alert_id) WHERE {Active}");
    }

    public string Location { get; }

    public async Task<IReadOnlyDictionary<string, FeedState>> GetFeedStatesAsync(CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection, """
            SELECT feed_id, etag, last_modified, last_polled_at, next_poll_at, last_success_at, last_error_code, last_error, consecutive_failures, items_seen,
                moved_from, moved_to, gone_url, min_interval_ms, average_gap_ms, last_published_at, failure_reported, lease_until, version, retry_after_until, hub, topic FROM feeds
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var states = new Dictionary<string, FeedState>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            var state = new FeedState
            {
                FeedId = reader.GetString(0),
                ETag = NullableString(reader, 1),
                LastModified = NullableString(reader, 2),
                LastPolledAt = NullableInstant(reader, 3),
                NextPollAt = NullableInstant(reader, 4),
                LastSuccessAt = NullableInstant(reader, 5),
                LastErrorCode = NullableString(reader, 6),
                LastError = NullableString(reader, 7),
                ConsecutiveFailures = reader.GetInt32(8),
                ItemsSeen = reader.GetInt64(9),
                MovedFrom = NullableString(reader, 10),
                MovedTo = NullableString(reader, 11),
                GoneUrl = NullableString(reader, 12),
                MinInterval = reader.IsDBNull(13) ? null : TimeSpan.FromMilliseconds(reader.GetInt64(13)),
                AverageGap = reader.IsDBNull(14) ? null : TimeSpan.FromMilliseconds(reader.GetInt64(14)),
                LastPublishedAt = NullableInstant(reader, 15),
                FailureReported = reader.GetInt64(16) != 0,
                LeaseUntil = NullableInstant(reader, 17),
                Version = reader.GetInt64(18).ToString(System.Globalization.CultureInfo.InvariantCulture),
                RetryAfterUntil = NullableInstant(reader, 19),
                Hub = NullableString(reader, 20),
                Topic = NullableString(reader, 21),
            };
            states[state.FeedId] = state;
        }

        return states;
    }

    public Task SaveFeedStateAsync(FeedState state, CancellationToken cancellationToken) => WriteAsync(async connection =>
    {
        await using var command = Command(connection, """
            INSERT INTO feeds (feed_id, etag, last_modified, last_polled_at, next_poll_at, last_success_at, last_error_code, last_error, consecutive_failures, items_seen,
                moved_from, moved_to, gone_url, min_interval_ms, average_gap_ms, last_published_at, failure_reported, retry_after_until, hub, topic)
            VALUES ($id, $etag, $lm, $polled, $next, $success, $code, $error, $failures, $seen, $movedFrom, $movedTo, $gone, $minInterval, $gap, $published, $reported, $retryAfter, $hub, $topic)
            ON CONFLICT (feed_id) DO UPDATE SET etag = $etag, last_modified = $lm, last_polled_at = $polled, next_poll_at = $next,
                last_success_at = $success, last_error_code = $code, last_error = $error, consecutive_failures = $failures, items_seen = $seen,
                moved_from = $movedFrom, moved_to = $movedTo, gone_url = $gone, min_interval_ms = $minInterval, average_gap_ms = $gap,
                last_published_at = $published, failure_reported = $reported, retry_after_until = $retryAfter, hub = $hub, topic = $topic, lease_until = NULL, version = version + 1
            """,
            ("$id", state.FeedId), ("$etag", state.ETag), ("$lm", state.LastModified), ("$polled", Millis(state.LastPolledAt)),
            ("$next", Millis(state.NextPollAt)), ("$success", Millis(state.LastSuccessAt)), ("$code", state.LastErrorCode),
            ("$error", state.LastError), ("$failures", state.ConsecutiveFailures), ("$seen", state.ItemsSeen),
            ("$movedFrom", state.MovedFrom), ("$movedTo", state.MovedTo), ("$gone", state.GoneUrl),
            ("$minInterval", (long?)state.MinInterval?.TotalMilliseconds), ("$gap", (long?)state.AverageGap?.TotalMilliseconds),
            ("$published", Millis(state.LastPublishedAt)), ("$reported", state.FailureReported ? 1 : 0), ("$retryAfter", Millis(state.RetryAfterUntil)),
            ("$hub", state.Hub), ("$topic", state.Topic));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }, cancellationToken);

    public Task<FeedState?> TryLeaseAsync(FeedState seen, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken) =>
        seen.LeaseUntil > now ? Task.FromResult<FeedState?>(null) : WriteAsync(async connection =>
        {
            await using var command = seen.Version is null
                ? Command(connection, "INSERT INTO feeds (feed_id, lease_until, version) VALUES ($id, $until, 1) ON CONFLICT (feed_id) DO NOTHING RETURNING version",
                    ("$id", seen.FeedId), ("$until", Millis(until)))
                : Command(connection, """
                    UPDATE feeds SET lease_until = $until, version = version + 1
                    WHERE feed_id = $id AND version = $version AND (lease_until IS NULL OR lease_until <= $now) RETURNING version
                    """, ("$id", seen.FeedId), ("$until", Millis(until)), ("$version", long.Parse(seen.Version, System.Globalization.CultureInfo.InvariantCulture)), ("$now", Millis(now)));
            return await command.ExecuteScalarAsync(cancellationToken) is long version
                ? seen with { LeaseUntil = until, Version = version.ToString(System.Globalization.CultureInfo.InvariantCulture) }
                : null;
        }, cancellationToken);


    public async Task<IReadOnlyList<FeedItem>> FilterNewAsync(IReadOnlyList<FeedItem> items, DateTimeOffset now, TimeSpan fingerprintWindow, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var byKey = Command(connection, "SELECT 1 FROM items WHERE item_key = $key");
        await using var byFingerprint = Command(connection, "SELECT 1 FROM items WHERE feed_id = $feed AND fingerprint = $fp AND first_seen_at >= $since LIMIT 1");
        var fresh = new List<FeedItem>();
        var rotated = new List<FeedItem>();
        var inThisBatch = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            SetParameters(byKey, ("$key", item.Key));
            if (!inThisBatch.Add(item.Key) || await byKey.ExecuteScalarAsync(cancellationToken) is not null)
            {
                continue;
            }

            SetParameters(byFingerprint, ("$feed", item.FeedId), ("$fp", item.Fingerprint), ("$since", Millis(now - fingerprintWindow)));
            if (item.Fingerprint is not null && fingerprintWindow > TimeSpan.Zero && (!inThisBatch.Add($"fp|{item.FeedId}|{item.Fingerprint}") || await byFingerprint.ExecuteScalarAsync(cancellationToken) is not null))
            {
                rotated.Add(item);
                continue;
            }

            fresh.Add(item);
        }

        await MarkSeenAsync(rotated, now, cancellationToken);
        return fresh;
    }

    public Task MarkSeenAsync(IReadOnlyList<FeedItem> items, DateTimeOffset seenAt, CancellationToken cancellationToken) =>
        items.Count == 0 ? Task.CompletedTask : WriteAsync(async connection =>
        {
            await using var command = Command(connection, "INSERT OR IGNORE INTO items (item_key, feed_id, title, summary, link, published_at, first_seen_at, fingerprint) VALUES ($key, $feed, $title, $summary, $link, $published, $seen, $fp)");
            foreach (var item in items)
            {
                SetParameters(command, ("$key", item.Key), ("$feed", item.FeedId), ("$title", item.Title), ("$summary", item.Summary), ("$link", item.Link),
                    ("$published", Millis(item.Published)), ("$seen", Millis(seenAt)), ("$fp", item.Fingerprint));
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            return items.Count;
        }, cancellationToken);

    public async Task<IReadOnlyList<FeedItem>> GetRecentAsync(DateTimeOffset since, int max, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection, """
            SELECT item_key, feed_id, title, summary, link, published_at FROM items
            WHERE first_seen_at >= $since ORDER BY first_seen_at DESC, rowid DESC LIMIT $max
            """);
        SetParameters(command, ("$since", Millis(since)), ("$max", max));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<FeedItem>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new FeedItem
            {
                Key = reader.GetString(0),
                FeedId = reader.GetString(1),
                Title = reader.GetString(2),
                Summary = reader.GetString(3),
                Link = NullableString(reader, 4),
                Published = NullableInstant(reader, 5),
            });
        }

        return items;
    }

    public Task<IReadOnlyList<string>> InsertAsync(IReadOnlyList<OutboxRecord> records, CancellationToken cancellationToken) =>
        records.Count == 0 ? Task.FromResult<IReadOnlyList<string>>([]) : WriteAsync<IReadOnlyList<string>>(async connection =>
        {
            await using var command = Command(connection, """
                INSERT OR IGNORE INTO alerts (alert_id, subscriber_id, channel, lane, item_key, payload, status, attempts, created_at, next_attempt_at, delivered_at, last_error, digest, version)
                VALUES ($id, $subscriber, $channel, $lane, $item, $payload, $status, $attempts, $created, $due, $delivered, $error, $digest, 1)
                """);
            var added = new List<string>();
            foreach (var record in records)
            {
                var alert = record.Alert;
                SetParameters(command, ("$id", alert.AlertId), ("$subscriber", alert.SubscriberId), ("$channel", alert.Channel.ToString()), ("$lane", record.Lane),
                    ("$item", alert.Item.Key), ("$payload", JsonSerializer.Serialize(alert, Json)), ("$status", record.State.ToString()), ("$attempts", record.Attempts),
                    ("$created", Millis(alert.CreatedAt)), ("$due", Millis(record.DueAt)), ("$delivered", Millis(record.DeliveredAt)), ("$error", record.LastError), ("$digest", alert.Digest));
                if (await command.ExecuteNonQueryAsync(cancellationToken) == 1)
                {
                    added.Add(alert.AlertId);
                }
            }

            return added;
        }, cancellationToken);

    public async Task<OutboxRecord?> GetAsync(string alertId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection, $"{SelectRecord} WHERE alert_id = $id", ("$id", alertId));
        return (await ReadRecordsAsync(command, cancellationToken)).SingleOrDefault();
    }

    public Task<OutboxRecord?> TryUpdateAsync(OutboxRecord current, OutboxRecord next, CancellationToken cancellationToken) =>
        WriteAsync(connection => UpdateAsync(connection, current, next, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<OutboxRecord?>> TryUpdateEachAsync(IReadOnlyList<(OutboxRecord Current, OutboxRecord Next)> updates, CancellationToken cancellationToken) =>
        updates.Count == 0 ? Task.FromResult<IReadOnlyList<OutboxRecord?>>([]) : WriteAsync<IReadOnlyList<OutboxRecord?>>(async connection =>
        {
            var written = new OutboxRecord?[updates.Count];
            for (var i = 0; i < updates.Count; i++)
            {
                written[i] = await UpdateAsync(connection, updates[i].Current, updates[i].Next, cancellationToken);
            }

            return written;
        }, cancellationToken);

    // One statement, conditional on the version read: of two writers (two processes too) exactly one changes the row.
    private static async Task<OutboxRecord?> UpdateAsync(SqliteConnection connection, OutboxRecord current, OutboxRecord next, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, """
            UPDATE alerts SET status = $status, attempts = $attempts, next_attempt_at = $due, delivered_at = $delivered, last_error = $error, version = version + 1
            WHERE alert_id = $id AND version = $version RETURNING version
            """,
            ("$id", current.AlertId), ("$version", long.Parse(current.Version ?? "0", System.Globalization.CultureInfo.InvariantCulture)),
            ("$status", next.State.ToString()), ("$attempts", next.Attempts), ("$due", Millis(next.DueAt)), ("$delivered", Millis(next.DeliveredAt)), ("$error", next.LastError));
        return await command.ExecuteScalarAsync(cancellationToken) is long version
            ? next with { Version = version.ToString(System.Globalization.CultureInfo.InvariantCulture) }
            : null;
    }

    public async IAsyncEnumerable<ActiveAlert> ActiveAsync(string? lane, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var active = new List<ActiveAlert>();
        await using (var connection = Open())
        {
            await using var command = Command(connection, $"""
                SELECT alert_id, lane, digest, created_at, next_attempt_at FROM alerts
                WHERE {Active} AND ($lane IS NULL OR lane = $lane) ORDER BY lane, created_at, alert_id
                """, ("$lane", lane));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                active.Add(new ActiveAlert(reader.GetString(0), reader.GetString(1), reader.GetInt64(2) != 0,
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
            }
        }

        foreach (var alert in active)
        {
            yield return alert;
        }
    }

    public async Task<OutboxRecord?> ReadActiveAsync(ActiveAlert active, CancellationToken cancellationToken) =>
        await GetAsync(active.AlertId, cancellationToken) is { IsActive: true } record ? record : null;

    public async Task<IReadOnlyList<OutboxRecord>> ListAsync(AlertState? state, int max, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection, $"{SelectRecord} WHERE $status IS NULL OR status = $status ORDER BY created_at, alert_id LIMIT $max",
            ("$status", state?.ToString()), ("$max", max));
        return await ReadRecordsAsync(command, cancellationToken);
    }

    public async Task<OutboxCounts> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection, """
            SELECT COALESCE(SUM(status IN ('Pending', 'Claimed')), 0), COALESCE(SUM(status = 'Delivered'), 0), COALESCE(SUM(status = 'Failed'), 0),
                COALESCE(SUM(status = 'Dead'), 0) FROM alerts
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new OutboxCounts(reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3));
    }

    private const string SelectRecord = "SELECT payload, status, attempts, last_error, next_attempt_at, delivered_at, version FROM alerts";

    private static async Task<List<OutboxRecord>> ReadRecordsAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<OutboxRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(new OutboxRecord
            {
                Alert = JsonSerializer.Deserialize<Alert>(reader.GetString(0), Json)!,
                State = Enum.Parse<AlertState>(reader.GetString(1)),
                Attempts = reader.GetInt32(2),
                LastError = NullableString(reader, 3),
                DueAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                DeliveredAt = NullableInstant(reader, 5),
                Version = reader.GetInt64(6).ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
        }

        return records;
    }

    public Task<bool> AddOptOutAsync(OptOut optOut, CancellationToken cancellationToken) => WriteAsync(async connection =>
    {
        await using var command = Command(connection,
            "INSERT OR IGNORE INTO opt_outs (subscriber_id, channel, payload) VALUES ($subscriber, $channel, $payload)",
            ("$subscriber", optOut.SubscriberId), ("$channel", optOut.Channel.ToString()), ("$payload", JsonSerializer.Serialize(optOut, Json)));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }, cancellationToken);

    public Task<bool> RemoveOptOutAsync(string subscriberId, ChannelAddress channel, CancellationToken cancellationToken) => WriteAsync(async connection =>
    {
        await using var command = Command(connection,
            "DELETE FROM opt_outs WHERE subscriber_id = $subscriber AND channel = $channel",
            ("$subscriber", subscriberId), ("$channel", channel.ToString()));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }, cancellationToken);

    public async Task<IReadOnlyList<OptOut>> GetOptOutsAsync(CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection, "SELECT payload FROM opt_outs ORDER BY subscriber_id, channel");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var optOuts = new List<OptOut>();
        while (await reader.ReadAsync(cancellationToken))
        {
            optOuts.Add(JsonSerializer.Deserialize<OptOut>(reader.GetString(0), Json)!);
        }

        return optOuts;
    }

    public async Task<IReadOnlyList<PushSubscription>> GetPushSubscriptionsAsync(CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection, "SELECT payload, version FROM push_subscriptions ORDER BY feed_id");
        return await ReadSubscriptionsAsync(command, cancellationToken);
    }

    public async Task<PushSubscription?> GetPushSubscriptionByTokenAsync(string token, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection, "SELECT payload, version FROM push_subscriptions WHERE token = $token", ("$token", token));
        return (await ReadSubscriptionsAsync(command, cancellationToken)).FirstOrDefault();
    }

    private static async Task<List<PushSubscription>> ReadSubscriptionsAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var subscriptions = new List<PushSubscription>();
        while (await reader.ReadAsync(cancellationToken))
        {
            subscriptions.Add(JsonSerializer.Deserialize<PushSubscription>(reader.GetString(0), Json)! with { Version = reader.GetInt64(1).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }

        return subscriptions;
    }

    public Task<PushSubscription?> TrySavePushSubscriptionAsync(PushSubscription subscription, CancellationToken cancellationToken) => WriteAsync(async connection =>
    {
        ArgumentNullException.ThrowIfNull(subscription);
        var payload = JsonSerializer.Serialize(subscription, Json);
        await using var command = subscription.Version is null
            ? Command(connection, "INSERT INTO push_subscriptions (feed_id, token, payload, version) VALUES ($feed, $token, $payload, 1) ON CONFLICT DO NOTHING RETURNING version",
                ("$feed", subscription.FeedId), ("$token", subscription.Token), ("$payload", payload))
            : Command(connection, "UPDATE push_subscriptions SET token = $token, payload = $payload, version = version + 1 WHERE feed_id = $feed AND version = $version RETURNING version",
                ("$feed", subscription.FeedId), ("$token", subscription.Token), ("$payload", payload), ("$version", long.Parse(subscription.Version, System.Globalization.CultureInfo.InvariantCulture)));
        return await command.ExecuteScalarAsync(cancellationToken) is long version
            ? subscription with { Version = version.ToString(System.Globalization.CultureInfo.InvariantCulture) }
            : null;
    }, cancellationToken);

    public Task DeletePushSubscriptionAsync(string feedId, CancellationToken cancellationToken) => WriteAsync(async connection =>
    {
        await using var command = Command(connection, "DELETE FROM push_subscriptions WHERE feed_id = $feed", ("$feed", feedId));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }, cancellationToken);

    public async Task<IReadOnlyList<Story>> FindStoriesAsync(IReadOnlyCollection<string> keys, DateTimeOffset since, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
        {
            return [];
        }

        await using var connection = Open();
        // The newest rows of each key, each a bounded range of the key index (key, added_at): what is read is the
        // candidates' rows, never the history, however common a key.
        var names = keys.Select((_, i) => $"$k{i}").ToList();
        var perKey = string.Join(" UNION ALL ", names.Select(n => $"SELECT * FROM (SELECT story_id, added_at FROM story_keys WHERE key = {n} AND added_at >= $since ORDER BY added_at DESC LIMIT $perKey)"));
        // The stories sharing the most keys first: the share of MinHash keys two items share estimates their similarity.
        await using var command = Command(connection, $"""
            SELECT s.payload, s.version FROM stories s JOIN (
                SELECT story_id, COUNT(*) AS shared, MAX(added_at) AS latest FROM ({perKey}) GROUP BY story_id
                ORDER BY shared DESC, latest DESC LIMIT $max) c ON c.story_id = s.story_id
            ORDER BY c.shared DESC, c.latest DESC
            """, [("$since", Millis(since)), ("$max", max), ("$perKey", IStoryStore.RowsPerKey), .. keys.Select((k, i) => (names[i], (object?)k))]);
        return await ReadStoriesAsync(command, cancellationToken);
    }

    public Task<string?> SaveStoryAsync(Story story, IReadOnlyCollection<string> newKeys, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(story);
        ArgumentNullException.ThrowIfNull(newKeys);
        return WriteAsync(async connection =>
        {
            var payload = JsonSerializer.Serialize(story, Json);
            var version = story.Version is null ? 0 : long.Parse(story.Version, System.Globalization.CultureInfo.InvariantCulture);
            await using var save = Command(connection, story.Version is null
                ? "INSERT OR IGNORE INTO stories (story_id, created_at, last_seen_at, payload, version) VALUES ($id, $created, $seen, $payload, 1)"
                : "UPDATE stories SET last_seen_at = $seen, payload = $payload, version = version + 1 WHERE story_id = $id AND version = $version",
                ("$id", story.StoryId), ("$created", Millis(story.CreatedAt)), ("$seen", Millis(story.LastSeenAt)), ("$payload", payload), ("$version", version));
            if (await save.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                return null;
            }

            await using var key = Command(connection, "INSERT OR IGNORE INTO story_keys (key, added_at, story_id) VALUES ($key, $at, $id)", ("$at", Millis(at)), ("$id", story.StoryId), ("$key", ""));
            foreach (var k in newKeys)
            {
                key.Parameters["$key"].Value = k;
                await key.ExecuteNonQueryAsync(cancellationToken);
            }

            return (version + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }, cancellationToken);
    }

    public async Task<Story?> GetStoryAsync(string storyId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection, "SELECT payload, version FROM stories WHERE story_id = $id", ("$id", storyId));
        return (await ReadStoriesAsync(command, cancellationToken)) is [var story] ? story : null;
    }

    public async Task<IReadOnlyList<Story>> RecentStoriesAsync(int max, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection, "SELECT payload, version FROM stories ORDER BY last_seen_at DESC LIMIT $max", ("$max", max));
        return await ReadStoriesAsync(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<Story>> ReadStoriesAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var stories = new List<Story>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            stories.Add(JsonSerializer.Deserialize<Story>(reader.GetString(0), Json)! with { Version = reader.GetInt64(1).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }

        return stories;
    }

    public void Dispose() => writer.Dispose();

    /// <summary>
    /// The one writer of this process: each write waits its turn here rather than at SQLite's lock, whose
    /// busy handler sleeps 150 ms at a time. (Another process on the same file still meets that lock.)
    /// </summary>
    /// <summary>
    /// Group commit: a write joins the queue; whoever holds the writer runs everything queued in one transaction, each
    /// write in a savepoint of its own (one that throws is rolled back alone and gets its exception), in the order they
    /// came. Writes that arrive together (feeds finishing their polls at once, an outbox update and the next claim)
    /// cost one commit instead of one each. A write's task completes once its transaction is committed.
    /// </summary>
    private async Task<T> WriteAsync<T>(Func<SqliteConnection, Task<T>> write, CancellationToken cancellationToken)
    {
        var pending = new PendingWrite<T>(write, cancellationToken);
        lock (queue)
        {
            queue.Add(pending);
        }

        await writer.WaitAsync(CancellationToken.None);
        try
        {
            if (!pending.Done.IsCompleted)
            {
                await CommitQueuedAsync();
            }
        }
        finally
        {
            writer.Release();
        }

        return await pending.Done;
    }

    private readonly List<IPendingWrite> queue = [];

    private async Task CommitQueuedAsync()
    {
        List<IPendingWrite> batch;
        lock (queue)
        {
            batch = [.. queue];
            queue.Clear();
        }

        var succeeded = new List<IPendingWrite>(batch.Count);
        try
        {
            await using var connection = Open();
            Execute(connection, "BEGIN IMMEDIATE");
            try
            {
                foreach (var write in batch)
                {
                    Execute(connection, "SAVEPOINT w");
                    try
                    {
                        await write.RunAsync(connection);
                        Execute(connection, "RELEASE w");
                        succeeded.Add(write);
                    }
                    catch (Exception e)
                    {
                        Execute(connection, "ROLLBACK TO w; RELEASE w");
                        write.Fail(e);
                    }
                }

                Execute(connection, "COMMIT");
            }
            catch
            {
                Execute(connection, "ROLLBACK");
                throw;
            }
        }
        catch (Exception e)
        {
            // Nothing of the batch was committed: every write not failed already fails with the cause.
            foreach (var write in batch)
            {
                write.Fail(e);
            }

            return;
        }

        foreach (var write in succeeded)
        {
            write.Complete();
        }
    }

    private interface IPendingWrite
    {
        Task RunAsync(SqliteConnection connection);

        void Complete();

        void Fail(Exception exception);
    }

    private sealed class PendingWrite<T>(Func<SqliteConnection, Task<T>> write, CancellationToken cancellationToken) : IPendingWrite
    {
        private readonly TaskCompletionSource<T> done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? result;

        public Task<T> Done => done.Task;

        public async Task RunAsync(SqliteConnection connection)
        {
            cancellationToken.ThrowIfCancellationRequested();
            result = await write(connection);
        }

        public void Complete() => done.TrySetResult(result!);

        public void Fail(Exception exception) => done.TrySetException(exception);
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        // In WAL mode NORMAL syncs at checkpoints, not at every commit: a killed process loses nothing (the
        // WAL is in the file system), and a power cut can only drop a suffix of the latest commits, which
        // the pipeline redoes (items seen again, alerts sent again under the same id). FULL cost an fsync
        // per outbox update, a third of the time of a webhook delivery. Set once per pooled connection.
        if (!Configured.TryGetValue(connection.Handle!, out _))
        {
            Execute(connection, "PRAGMA synchronous = NORMAL");
            Configured.AddOrUpdate(connection.Handle!, Configured);
        }

        return connection;
    }

    /// <summary>The native connections (kept open by the pool) that have had their pragmas.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> Configured = [];

    /// <summary>Databases created before a column existed get it added (true); nothing else ever changes shape.</summary>
    private static bool AddColumnIfMissing(SqliteConnection connection, string table, string column, string type)
    {
        using var info = Command(connection, $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = '{column}'");
        if (Convert.ToInt64(info.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 0)
        {
            return false;
        }

        Execute(connection, $"ALTER TABLE {table} ADD COLUMN {column} {type}");
        return true;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = Command(connection, sql);
        command.ExecuteNonQuery();
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // SQL text is constant; values go through parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        SetParameters(command, parameters);
        return command;
    }

    private static void SetParameters(SqliteCommand command, params (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            if (command.Parameters.Contains(name))
            {
                command.Parameters[name].Value = value ?? DBNull.Value;
            }
            else
            {
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }
        }
    }

    private static long? Millis(DateTimeOffset? instant) => instant?.ToUnixTimeMilliseconds();

    private static string? NullableString(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTimeOffset? NullableInstant(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));
}
