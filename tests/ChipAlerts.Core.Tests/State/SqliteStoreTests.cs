using ChipAlerts.Core.State;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Core.Tests.State;

public sealed class SqliteStoreTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDir dir = new();

    private SqliteStore Open() => new(dir.File("db/chipalerts.db"));

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task Ledger_SeenItems_AreNotNewAgain_AcrossReopen()
    {
        var a = Alerts.Item("a");
        var b = Alerts.Item("b");
        await Open().MarkSeenAsync([a], Now, default);

        var fresh = await Open().FilterNewAsync([a, b, b], default);

        Assert.Equal([b], fresh);
    }

    [Fact]
    public async Task Outbox_SameAlertTwice_IsStoredOnce()
    {
        var store = Open();
        var alert = Alerts.Email();

        Assert.Equal(1, await store.AddAsync([alert], default));
        Assert.Equal(0, await store.AddAsync([alert], default));
        Assert.Equal(new OutboxCounts(1, 0, 0), await store.CountAsync(default));
    }

    [Fact]
    public async Task Outbox_DeliveredAlertAddedAgain_StaysDelivered()
    {
        var store = Open();
        var alert = Alerts.Email();
        await store.AddAsync([alert], default);
        await store.MarkDeliveredAsync(alert.AlertId, Now, default);

        await store.AddAsync([alert], default);

        Assert.Empty(await store.GetDueAsync(Now, 10, default));
        Assert.Equal(new OutboxCounts(0, 1, 0), await store.CountAsync(default));
    }

    [Fact]
    public async Task Outbox_FailedAttempt_IsDueAgainOnlyAfterNextAttempt()
    {
        var store = Open();
        var alert = Alerts.Email(createdAt: Now);
        await store.AddAsync([alert], default);

        await store.MarkFailedAsync(alert.AlertId, "SMTP 451", Now.AddMinutes(1), permanent: false, default);

        Assert.Empty(await store.GetDueAsync(Now, 10, default));
        var due = Assert.Single(await Open().GetDueAsync(Now.AddMinutes(1), 10, default));
        Assert.Equal(1, due.Attempts);
        Assert.Equal("SMTP 451", due.LastError);
        Assert.Equal(alert.AlertId, due.Alert.AlertId);
        Assert.Equal(alert.Item, due.Alert.Item);
        Assert.Equal(alert.Channel, due.Alert.Channel);
        Assert.Equal(alert.Matches[0].Evidence, due.Alert.Matches[0].Evidence);
    }

    [Fact]
    public async Task Outbox_PermanentFailure_IsNotDueAndCountsAsFailed()
    {
        var store = Open();
        var alert = Alerts.Email(createdAt: Now);
        await store.AddAsync([alert], default);

        await store.MarkFailedAsync(alert.AlertId, "SMTP 550", Now, permanent: true, default);

        Assert.Empty(await store.GetDueAsync(Now.AddDays(1), 10, default));
        Assert.Equal(new OutboxCounts(0, 0, 1), await store.CountAsync(default));
    }

    [Fact]
    public async Task Outbox_Due_IsOldestFirstAndBounded()
    {
        var store = Open();
        await store.AddAsync([Alerts.Email("late", createdAt: Now.AddMinutes(2)), Alerts.Email("early", createdAt: Now), Alerts.Email("mid", createdAt: Now.AddMinutes(1))], default);

        var due = await store.GetDueAsync(Now.AddHours(1), 2, default);

        Assert.Equal(["early", "mid"], due.Select(d => d.Alert.Item.Key));
    }

    [Fact]
    public async Task FeedState_RoundTrips()
    {
        var state = new FeedState
        {
            FeedId = "wire",
            ETag = "\"v1\"",
            LastModified = "Fri, 26 May 2023 00:00:00 GMT",
            LastPolledAt = Now,
            NextPollAt = Now.AddMinutes(15),
            LastSuccessAt = Now,
            LastErrorCode = "timeout",
            LastError = "slow",
            ConsecutiveFailures = 2,
            ItemsSeen = 42,
        };
        await Open().SaveFeedStateAsync(state, default);
        await Open().SaveFeedStateAsync(state with { ItemsSeen = 43 }, default);

        var states = await Open().GetFeedStatesAsync(default);

        Assert.Equal(state with { ItemsSeen = 43 }, states["wire"]);
    }
}
