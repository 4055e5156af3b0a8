using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.Routing;
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
    public async Task Writes_ArrivingTogether_OneThatThrowsFailsAlone_TheRestAreCommitted()
    {
        var store = Open();
        var alerts = Enumerable.Range(0, 40).Select(i => Alerts.Email($"item-{i}", createdAt: Now.AddSeconds(i))).ToList();
        await store.InsertAsync([.. alerts.Select(a => Pending(a))], default);
        var read = await Task.WhenAll(alerts.Select(a => store.GetAsync(a.AlertId, default)));

        // However they are grouped into transactions, a write that throws (a version that is not one) is the only one to fail.
        var writes = read.Select((r, i) => Task.Run(() => store.TryUpdateAsync(i % 10 == 3 ? r! with { Version = "not a version" } : r!, r! with { State = AlertState.Delivered }, default))).ToList();
        var done = await Task.WhenAll(writes.Select(OutcomeAsync));

        Assert.Equal(Enumerable.Range(0, 40).Select(i => i % 10 == 3 ? "threw" : "written"), done);
        var states = await Task.WhenAll(alerts.Select(a => store.GetAsync(a.AlertId, default)));
        Assert.Equal(Enumerable.Range(0, 40).Select(i => i % 10 == 3 ? AlertState.Pending : AlertState.Delivered), states.Select(s => s!.State));
    }

    private static async Task<string> OutcomeAsync(Task<OutboxRecord?> write)
    {
        try
        {
            return await write is not null ? "written" : "lost";
        }
        catch (FormatException)
        {
            return "threw";
        }
    }

    [Fact]
    public async Task Write_AloneThatThrowsPartWay_LeavesNothingOfIt()
    {
        var store = Open();
        Alert a = Alerts.Email("a", createdAt: Now), b = Alerts.Email("b", createdAt: Now.AddSeconds(1));
        await store.InsertAsync([Pending(a), Pending(b)], default);
        var (readA, readB) = ((await store.GetAsync(a.AlertId, default))!, (await store.GetAsync(b.AlertId, default))!);

        // The first update is made, the second throws: the one write is rolled back whole.
        await Assert.ThrowsAsync<FormatException>(() => store.TryUpdateEachAsync([(readA, readA with { State = AlertState.Delivered }), (readB with { Version = "x" }, readB)], default));

        Assert.Equal(AlertState.Pending, (await store.GetAsync(a.AlertId, default))!.State);
        Assert.NotNull(await store.TryUpdateAsync(readA, readA with { State = AlertState.Delivered }, default)); // and the store takes the next
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
