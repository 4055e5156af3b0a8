using ChipAlerts.Core.State;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Core.Tests.State;

public sealed class SqliteStoreTests : StoreContractTests<SqliteStore>, IDisposable
{
    private readonly TempDir dir = new();

    protected override SqliteStore Open() => new(dir.File("db/chipalerts.db"));

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task Open_ByRunnersStartingAtOnceOnANewFile_MakesTheSchemaOnce()
    {
        var path = dir.File("new/chipalerts.db");

        var stores = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => new SqliteStore(path))));

        Assert.All(await Task.WhenAll(stores.Select(s => s.GetFeedStatesAsync(default))), Assert.Empty);
    }

    [Fact]
    public async Task Open_DatabaseFromBeforeClaims_GainsTheColumn()
    {
        var path = dir.File("old.db");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE alerts (alert_id TEXT PRIMARY KEY, subscriber_id TEXT NOT NULL, channel TEXT NOT NULL, item_key TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL, delivered_at INTEGER, last_error TEXT)";
            command.ExecuteNonQuery();
        }

        var store = new SqliteStore(path);

        Assert.Null(await store.GetAsync("none", default));
        await foreach (var _ in store.ActiveAsync(null, default))
        {
            Assert.Fail("an empty outbox has no active alerts");
        }
    }
}
