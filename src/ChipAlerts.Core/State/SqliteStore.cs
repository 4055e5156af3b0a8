using System.Text.Json;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Routing;
using Microsoft.Data.Sqlite;

namespace ChipAlerts.Core.State;

/// <summary>
/// The embedded store: one SQLite file in WAL mode, a pooled connection per operation, so concurrent
/// feed polls can write safely. Instants are stored as Unix milliseconds (UTC).
/// </summary>
public sealed class SqliteStore : IFeedStateStore, IItemLedger, IOutbox, IOptOutStore, IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly string connectionString;
    private readonly SemaphoreSlim outboxWrites = new(1, 1);

    public SqliteStore(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

        using var connection = Open();
        Execute(connection, """
            PRAGMA journal_mode = WAL;
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
            CREATE INDEX IF NOT EXISTS alerts_due ON alerts (status, next_attempt_at, created_at);
            CREATE TABLE IF NOT EXISTS opt_outs (
                subscriber_id TEXT NOT NULL, channel TEXT NOT NULL, payload TEXT NOT NULL,
                PRIMARY KEY (subscriber_id, channel));
            """);
        AddColumnIfMissing(connection, "alerts", "claimed_until", "INTEGER");
        AddColumnIfMissing(connection, "alerts", "digest", "INTEGER NOT NULL DEFAULT 0");
        AddColumnIfMissing(connection, "items", "summary", "TEXT NOT NULL DEFAULT ''");
        AddColumnIfMissing(connection, "items", "fingerprint", "TEXT");
        foreach (var column in (string[])["moved_from TEXT", "moved_to TEXT", "gone_url TEXT", "min_interval_ms INTEGER", "average_gap_ms INTEGER", "last_published_at INTEGER", "failure_reported INTEGER NOT NULL DEFAULT 0"])
        {
            AddColumnIfMissing(connection, "feeds", column[..column.IndexOf(' ', StringComparison.Ordinal)], column[(column.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        }

        Execute(connection, "CREATE INDEX IF NOT EXISTS items_fingerprint ON items (feed_id, fingerprint, first_seen_at)");
        Execute(connection, "CREATE INDEX IF NOT EXISTS items_seen ON items (first_seen_at)");
        // Only alerts in flight have a claim (delivery clears it), so this index stays tiny.
        Execute(connection, "CREATE INDEX IF NOT EXISTS alerts_claimed ON alerts (claimed_until) WHERE claimed_until IS NOT NULL");
    }

    public async Task<IReadOnlyDictionary<string, FeedState>> GetFeedStatesAsync(CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection, """
            SELECT feed_id, etag, last_modified, last_polled_at, next_poll_at, last_success_at, last_error_code, last_error, consecutive_failures, items_seen,
                moved_from, moved_to, gone_url, min_interval_ms, average_gap_ms, last_published_at, failure_reported FROM feeds
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
            };
            states[state.FeedId] = state;
        }

        return states;
    }

    public async Task SaveFeedStateAsync(FeedState state, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection, """
            INSERT INTO feeds (feed_id, etag, last_modified, last_polled_at, next_poll_at, last_success_at, last_error_code, last_error, consecutive_failures, items_seen,
                moved_from, moved_to, gone_url, min_interval_ms, average_gap_ms, last_published_at, failure_reported)
            VALUES ($id, $etag, $lm, $polled, $next, $success, $code, $error, $failures, $seen, $movedFrom, $movedTo, $gone, $minInterval, $gap, $published, $reported)
            ON CONFLICT (feed_id) DO UPDATE SET etag = $etag, last_modified = $lm, last_polled_at = $polled, next_poll_at = $next,
                last_success_at = $success, last_error_code = $code, last_error = $error, consecutive_failures = $failures, items_seen = $seen,
                moved_from = $movedFrom, moved_to = $movedTo, gone_url = $gone, min_interval_ms = $minInterval, average_gap_ms = $gap,
                last_published_at = $published, failure_reported = $reported
            """,
            ("$id", state.FeedId), ("$etag", state.ETag), ("$lm", state.LastModified), ("$polled", Millis(state.LastPolledAt)),
            ("$next", Millis(state.NextPollAt)), ("$success", Millis(state.LastSuccessAt)), ("$code", state.LastErrorCode),
            ("$error", state.LastError), ("$failures", state.ConsecutiveFailures), ("$seen", state.ItemsSeen),
            ("$movedFrom", state.MovedFrom), ("$movedTo", state.MovedTo), ("$gone", state.GoneUrl),
            ("$minInterval", (long?)state.MinInterval?.TotalMilliseconds), ("$gap", (long?)state.AverageGap?.TotalMilliseconds),
            ("$published", Millis(state.LastPublishedAt)), ("$reported", state.FailureReported ? 1 : 0));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

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

        await MarkSeenAsync(rotated, now, connection, cancellationToken);
        return fresh;
    }

    public async Task MarkSeenAsync(IReadOnlyList<FeedItem> items, DateTimeOffset seenAt, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await MarkSeenAsync(items, seenAt, connection, cancellationToken);
    }

    private static async Task MarkSeenAsync(IReadOnlyList<FeedItem> items, DateTimeOffset seenAt, SqliteConnection connection, CancellationToken cancellationToken)
    {
        if (items.Count == 0)
        {
            return;
        }

        await using var transaction = connection.BeginTransaction();
        await using var command = Command(connection, "INSERT OR IGNORE INTO items (item_key, feed_id, title, summary, link, published_at, first_seen_at, fingerprint) VALUES ($key, $feed, $title, $summary, $link, $published, $seen, $fp)");
        command.Transaction = transaction;
        foreach (var item in items)
        {
            SetParameters(command, ("$key", item.Key), ("$feed", item.FeedId), ("$title", item.Title), ("$summary", item.Summary), ("$link", item.Link),
                ("$published", Millis(item.Published)), ("$seen", Millis(seenAt)), ("$fp", item.Fingerprint));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

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

    public async Task<IReadOnlyList<string>> AddAsync(IReadOnlyList<Alert> alerts, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var transaction = connection.BeginTransaction();
        await using var command = Command(connection, """
            INSERT OR IGNORE INTO alerts (alert_id, subscriber_id, channel, item_key, payload, status, created_at, next_attempt_at, digest)
            VALUES ($id, $subscriber, $channel, $item, $payload, 'Pending', $created, $next, $digest)
            """);
        command.Transaction = transaction;
        var added = new List<string>();
        foreach (var alert in alerts)
        {
            SetParameters(command, ("$id", alert.AlertId), ("$subscriber", alert.SubscriberId), ("$channel", alert.Channel.ToString()),
                ("$item", alert.Item.Key), ("$payload", JsonSerializer.Serialize(alert, Json)), ("$created", Millis(alert.CreatedAt)), ("$next", Millis(alert.NotBefore ?? alert.CreatedAt)), ("$digest", alert.Digest));
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                added.Add(alert.AlertId);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return added;
    }

    public async Task<IReadOnlyList<OutboxEntry>> GetDueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection, """
            WITH blocked AS (
                SELECT channel, MIN(created_at) AS since FROM (
                    SELECT channel, created_at FROM alerts WHERE status = 'Pending' AND digest = 0 AND next_attempt_at > $now
                    UNION ALL
                    SELECT channel, created_at FROM alerts WHERE claimed_until > $now AND status = 'Pending' AND digest = 0)
                GROUP BY channel)
            SELECT payload, status, attempts, last_error, next_attempt_at FROM alerts a
            LEFT JOIN blocked b ON b.channel = a.channel
            WHERE a.status = 'Pending' AND a.digest = 0 AND a.next_attempt_at <= $now AND (a.claimed_until IS NULL OR a.claimed_until <= $now)
              AND (b.since IS NULL OR a.created_at < b.since)
            ORDER BY a.created_at, a.alert_id LIMIT $max
            """, ("$now", Millis(now)), ("$max", max));
        return await ReadEntriesAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<OutboxEntry>> GetDigestAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection, """
            SELECT payload, status, attempts, last_error, next_attempt_at FROM alerts
            WHERE status = 'Pending' AND digest = 1 AND (claimed_until IS NULL OR claimed_until <= $now)
            ORDER BY created_at, alert_id
            """, ("$now", Millis(now)));
        return await ReadEntriesAsync(command, cancellationToken);
    }

    public async Task<OutboxEntry?> GetAsync(string alertId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection,
            "SELECT payload, status, attempts, last_error, next_attempt_at FROM alerts WHERE alert_id = $id", ("$id", alertId));
        return (await ReadEntriesAsync(command, cancellationToken)).SingleOrDefault();
    }

    private static async Task<List<OutboxEntry>> ReadEntriesAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<OutboxEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new OutboxEntry
            {
                Alert = JsonSerializer.Deserialize<Alert>(reader.GetString(0), Json)!,
                Status = Enum.Parse<AlertStatus>(reader.GetString(1)),
                Attempts = reader.GetInt32(2),
                LastError = NullableString(reader, 3),
                NextAttemptAt = NullableInstant(reader, 4),
            });
        }

        return entries;
    }

    // One statement: SQLite serialises writers, so of two concurrent claims (two processes too) exactly one updates the row.
    public async Task<bool> TryClaimAsync(string alertId, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken) =>
        await UpdateAsync("""
            UPDATE alerts SET claimed_until = $until
            WHERE alert_id = $id AND status = 'Pending' AND (claimed_until IS NULL OR claimed_until <= $now)
            """, cancellationToken, ("$id", alertId), ("$now", Millis(now)), ("$until", Millis(until))) == 1;

    public Task MarkDeliveredAsync(string alertId, DateTimeOffset at, CancellationToken cancellationToken) =>
        UpdateAsync(
            "UPDATE alerts SET status = 'Delivered', attempts = attempts + 1, delivered_at = $at, last_error = NULL, claimed_until = NULL WHERE alert_id = $id",
            cancellationToken, ("$id", alertId), ("$at", Millis(at)));

    public Task DeferAsync(string alertId, DateTimeOffset until, string reason, CancellationToken cancellationToken) =>
        UpdateAsync(
            "UPDATE alerts SET next_attempt_at = $next, last_error = $reason, claimed_until = NULL WHERE alert_id = $id AND status = 'Pending'",
            cancellationToken, ("$id", alertId), ("$next", Millis(until)), ("$reason", reason));

    public Task MarkFailedAsync(string alertId, string error, DateTimeOffset nextAttemptAt, AlertStatus status, CancellationToken cancellationToken) =>
        UpdateAsync(
            "UPDATE alerts SET status = $status, attempts = attempts + 1, next_attempt_at = $next, last_error = $error, claimed_until = NULL WHERE alert_id = $id",
            cancellationToken, ("$id", alertId), ("$status", status.ToString()), ("$next", Millis(nextAttemptAt)), ("$error", error));

    /// <summary>
    /// One outbox update, one at a time within this process: concurrent deliverers would otherwise meet
    /// SQLite's write lock and wait out its busy retries, which cost more than the queue here.
    /// </summary>
    private async Task<int> UpdateAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = Open();
        await using var command = Command(connection, sql, parameters);
        await outboxWrites.WaitAsync(cancellationToken);
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            outboxWrites.Release();
        }
    }

    public async Task<IReadOnlyList<OutboxEntry>> ListAsync(AlertStatus? status, int max, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection, """
            SELECT payload, status, attempts, last_error, next_attempt_at FROM alerts
            WHERE $status IS NULL OR status = $status ORDER BY created_at, alert_id LIMIT $max
            """, ("$status", status?.ToString()), ("$max", max));
        return await ReadEntriesAsync(command, cancellationToken);
    }

    public async Task<bool> ReplayAsync(string alertId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection, """
            UPDATE alerts SET status = 'Pending', attempts = 0, next_attempt_at = $now, claimed_until = NULL
            WHERE alert_id = $id AND status IN ('Failed', 'Dead')
            """, ("$id", alertId), ("$now", Millis(now)));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<OutboxCounts> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection, """
            SELECT COALESCE(SUM(status = 'Pending'), 0), COALESCE(SUM(status = 'Delivered'), 0), COALESCE(SUM(status = 'Failed'), 0),
                COALESCE(SUM(status = 'Dead'), 0) FROM alerts
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new OutboxCounts(reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3));
    }

    public async Task<bool> AddOptOutAsync(OptOut optOut, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection,
            "INSERT OR IGNORE INTO opt_outs (subscriber_id, channel, payload) VALUES ($subscriber, $channel, $payload)",
            ("$subscriber", optOut.SubscriberId), ("$channel", optOut.Channel.ToString()), ("$payload", JsonSerializer.Serialize(optOut, Json)));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> RemoveOptOutAsync(string subscriberId, ChannelAddress channel, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection,
            "DELETE FROM opt_outs WHERE subscriber_id = $subscriber AND channel = $channel",
            ("$subscriber", subscriberId), ("$channel", channel.ToString()));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

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

    public void Dispose() => outboxWrites.Dispose();

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        // In WAL mode NORMAL syncs at checkpoints, not at every commit: a killed process loses nothing (the
        // WAL is in the file system), and a power cut can only drop a suffix of the latest commits, which
        // the pipeline redoes (items seen again, alerts sent again under the same id). FULL cost an fsync
        // per outbox update, a third of the time of a webhook delivery.
        Execute(connection, "PRAGMA synchronous = NORMAL");
        return connection;
    }

    /// <summary>Databases created before a column existed get it added; nothing else ever changes shape.</summary>
    private static void AddColumnIfMissing(SqliteConnection connection, string table, string column, string type)
    {
        using var info = Command(connection, $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = '{column}'");
        if (Convert.ToInt64(info.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            Execute(connection, $"ALTER TABLE {table} ADD COLUMN {column} {type}");
        }
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
