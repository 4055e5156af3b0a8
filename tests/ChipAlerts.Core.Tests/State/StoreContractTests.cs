using ChipAlerts.Core.Routing;
using ChipAlerts.Core.State;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Core.Tests.State;

/// <summary>
/// What every store must do, whatever it is built on. Each implementation's test class derives from
/// this and says how to open the store; opening it again must see the same data (a restarted process).
/// </summary>
public abstract class StoreContractTests<TStore>
    where TStore : IFeedStateStore, IItemLedger, IOutbox, IOptOutStore
{
    protected static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    protected abstract TStore Open();

    [Fact]
    public async Task Ledger_SeenItems_AreNotNewAgain_AcrossReopen()
    {
        var a = Alerts.Item("a");
        var b = Alerts.Item("b");
        await Open().MarkSeenAsync([a], Now, default);

        var fresh = await Open().FilterNewAsync([a, b, b], Now, TimeSpan.Zero, default);

        Assert.Equal([b], fresh);
    }

    [Fact]
    public async Task Ledger_SameTextUnderANewKey_IsNotNewWithinTheWindowOfItsFeed()
    {
        var window = TimeSpan.FromDays(7);
        var original = Alerts.Item("a") with { Fingerprint = "fp-1" };
        await Open().MarkSeenAsync([original], Now, default);

        var rotated = original with { Key = "a-rotated" };
        var otherFeed = original with { Key = "a-elsewhere", FeedId = "other" };
        var twiceInOneBatch = Alerts.Item("c") with { Fingerprint = "fp-2" };

        Assert.Equal([otherFeed, twiceInOneBatch], await Open().FilterNewAsync([rotated, otherFeed, twiceInOneBatch, twiceInOneBatch with { Key = "c2" }], Now.AddDays(6), window, default));
        // The rotated copy was recorded when it was seen, so the window slides while the publisher keeps the item.
        Assert.Empty(await Open().FilterNewAsync([original with { Key = "a-rotated-again" }], Now.AddDays(12), window, default));
        Assert.Equal(["a-late"], (await Open().FilterNewAsync([original with { Key = "a-late" }], Now.AddDays(20), window, default)).Select(i => i.Key));
        Assert.Equal(["a-unwindowed"], (await Open().FilterNewAsync([original with { Key = "a-unwindowed" }], Now.AddDays(6), TimeSpan.Zero, default)).Select(i => i.Key));
    }

    [Fact]
    public async Task Ledger_RecentItems_AreTheOnesSeenSinceNewestFirstWithTheirText()
    {
        var old = Alerts.Item("old");
        var a = Alerts.Item("a") with { Summary = "Rapidus and IBM", Published = Now.AddDays(-1) };
        var b = Alerts.Item("b");
        await Open().MarkSeenAsync([old], Now.AddDays(-10), default);
        await Open().MarkSeenAsync([a], Now.AddHours(-2), default);
        await Open().MarkSeenAsync([b], Now.AddHours(-1), default);

        var recent = await Open().GetRecentAsync(Now.AddDays(-7), 10, default);

        Assert.Equal([b, a], recent);
        Assert.Equal([b], await Open().GetRecentAsync(Now.AddDays(-7), 1, default));
    }

    [Fact]
    public async Task Outbox_SameAlertTwice_IsStoredOnce()
    {
        var store = Open();
        var alert = Alerts.Email();

        Assert.Equal([alert.AlertId], await store.AddAsync([alert], default));
        Assert.Empty(await store.AddAsync([alert], default));
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

        await store.MarkFailedAsync(alert.AlertId, "SMTP 451", Now.AddMinutes(1), AlertStatus.Pending, default);

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

        await store.MarkFailedAsync(alert.AlertId, "SMTP 550", Now, AlertStatus.Failed, default);

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
    public async Task Outbox_AnAlertWaitingOrClaimed_HoldsBackTheLaterOnesOfItsAddressOnly()
    {
        var store = Open();
        await store.AddAsync(
        [
            Alerts.Email("a1", "ana@example.com", Now), Alerts.Email("a2", "ana@example.com", Now.AddSeconds(1)),
            Alerts.Email("b1", "ben@example.com", Now), Alerts.Email("b2", "ben@example.com", Now.AddSeconds(1)),
            Alerts.Email("c1", "cho@example.com", Now), Alerts.Email("c2", "cho@example.com", Now.AddSeconds(1)),
        ], default);
        var ids = (await store.GetDueAsync(Now.AddMinutes(1), 10, default)).ToDictionary(e => e.Alert.Item.Key, e => e.Alert.AlertId);

        await store.MarkFailedAsync(ids["a1"], "SMTP 451", Now.AddMinutes(5), AlertStatus.Pending, default);
        Assert.True(await store.TryClaimAsync(ids["b1"], Now.AddMinutes(1), Now.AddMinutes(3), default));

        Assert.Equal(["c1", "c2"], (await store.GetDueAsync(Now.AddMinutes(1), 10, default)).Select(e => e.Alert.Item.Key));
        await store.MarkDeliveredAsync(ids["b1"], Now.AddMinutes(2), default);
        Assert.Equal(["b2", "c1", "c2"], (await store.GetDueAsync(Now.AddMinutes(2), 10, default)).Select(e => e.Alert.Item.Key).Order());
        Assert.Equal(["a1", "a2", "b2", "c1", "c2"], (await store.GetDueAsync(Now.AddMinutes(5), 10, default)).Select(e => e.Alert.Item.Key).Order());
    }

    [Fact]
    public async Task Outbox_Deferred_IsDueAgainAtItsTime_WithoutAnAttemptCounted()
    {
        var store = Open();
        var alert = Alerts.Email(createdAt: Now);
        await store.AddAsync([alert], default);
        Assert.True(await store.TryClaimAsync(alert.AlertId, Now, Now.AddMinutes(5), default));

        await store.DeferAsync(alert.AlertId, Now.AddMinutes(1), "circuit open", default);

        Assert.Empty(await store.GetDueAsync(Now.AddSeconds(59), 10, default));
        var due = Assert.Single(await store.GetDueAsync(Now.AddMinutes(1), 10, default));
        Assert.Equal((0, "circuit open", AlertStatus.Pending), (due.Attempts, due.LastError, due.Status));
        Assert.True(await store.TryClaimAsync(alert.AlertId, Now.AddMinutes(1), Now.AddMinutes(6), default));
    }

    [Fact]
    public async Task OptOuts_AddOnceListRemove_AcrossReopen()
    {
        var store = Open();
        var slack = new ChannelAddress("slack", "Hooks:Team/a#b?c");
        Assert.True(await store.AddOptOutAsync(new OptOut("team", slack, "the slack webhook answered 404", Now), default));
        Assert.False(await store.AddOptOutAsync(new OptOut("team", slack, "again", Now.AddHours(1)), default));
        Assert.True(await store.AddOptOutAsync(new OptOut("desk", new ChannelAddress("email", "desk@example.com"), "the recipient unsubscribed", Now), default));

        var listed = await Open().GetOptOutsAsync(default);

        Assert.Equal(["desk", "team"], listed.Select(o => o.SubscriberId));
        Assert.Equal(new OptOut("team", slack, "the slack webhook answered 404", Now), listed[1]);
        Assert.True(await store.RemoveOptOutAsync("team", slack, default));
        Assert.False(await store.RemoveOptOutAsync("team", slack, default));
        Assert.Equal(["desk"], (await store.GetOptOutsAsync(default)).Select(o => o.SubscriberId));
    }

    [Fact]
    public async Task Claim_ConcurrentClaimers_ExactlyOneWins()
    {
        var alert = Alerts.Email(createdAt: Now);
        await Open().AddAsync([alert], default);

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Open().TryClaimAsync(alert.AlertId, Now, Now.AddMinutes(5), default))));

        Assert.Equal(1, claims.Count(c => c));
    }

    [Fact]
    public async Task Claim_HeldAlert_IsNotDueUntilTheClaimExpires_ThenCanBeTakenOver()
    {
        var store = Open();
        var alert = Alerts.Email(createdAt: Now);
        await store.AddAsync([alert], default);

        Assert.True(await store.TryClaimAsync(alert.AlertId, Now, Now.AddMinutes(5), default));

        Assert.Empty(await store.GetDueAsync(Now.AddMinutes(4), 10, default));
        Assert.False(await store.TryClaimAsync(alert.AlertId, Now.AddMinutes(4), Now.AddMinutes(9), default));
        Assert.Single(await store.GetDueAsync(Now.AddMinutes(5), 10, default));
        Assert.True(await store.TryClaimAsync(alert.AlertId, Now.AddMinutes(5), Now.AddMinutes(10), default));
    }

    [Fact]
    public async Task Claim_IsReleasedByAFailedAttemptAndRefusedAfterDelivery()
    {
        var store = Open();
        var alert = Alerts.Email(createdAt: Now);
        await store.AddAsync([alert], default);

        await store.TryClaimAsync(alert.AlertId, Now, Now.AddMinutes(5), default);
        await store.MarkFailedAsync(alert.AlertId, "SMTP 451", Now.AddSeconds(30), AlertStatus.Pending, default);
        Assert.Single(await store.GetDueAsync(Now.AddSeconds(30), 10, default));
        Assert.True(await store.TryClaimAsync(alert.AlertId, Now.AddSeconds(30), Now.AddMinutes(5), default));
        await store.MarkDeliveredAsync(alert.AlertId, Now.AddSeconds(31), default);

        Assert.False(await store.TryClaimAsync(alert.AlertId, Now.AddHours(1), Now.AddHours(2), default));
        Assert.False(await store.TryClaimAsync("no-such-alert", Now, Now.AddMinutes(5), default));
    }

    [Fact]
    public async Task Get_ReturnsTheAlertWithItsState_OrNull()
    {
        var store = Open();
        var alert = Alerts.Email(createdAt: Now);
        await store.AddAsync([alert], default);
        await store.MarkFailedAsync(alert.AlertId, "SMTP 550", Now, AlertStatus.Failed, default);

        var entry = await Open().GetAsync(alert.AlertId, default);

        Assert.NotNull(entry);
        Assert.Equal(alert.Item, entry.Alert.Item);
        Assert.Equal((AlertStatus.Failed, 1, "SMTP 550"), (entry.Status, entry.Attempts, entry.LastError));
        Assert.Null(await store.GetAsync("no-such-alert", default));
    }

    [Fact]
    public async Task Digest_HeldAlertsAreNotDue_ButListedForTheDigest()
    {
        var store = Open();
        var immediate = Alerts.Email("now", createdAt: Now);
        var held = Alerts.Email("later", createdAt: Now) with { Digest = true };
        await store.AddAsync([immediate, held], default);

        Assert.Equal([immediate.AlertId], (await store.GetDueAsync(Now, 10, default)).Select(e => e.Alert.AlertId));
        var digest = Assert.Single(await Open().GetDigestAsync(Now, default));
        Assert.Equal(held.AlertId, digest.Alert.AlertId);
        Assert.True(digest.Alert.Digest);

        await store.TryClaimAsync(held.AlertId, Now, Now.AddMinutes(5), default);
        Assert.Empty(await store.GetDigestAsync(Now, default));
    }

    [Fact]
    public async Task Outbox_ListByStatus_AndReplayFailedOrDead()
    {
        var store = Open();
        Alert pending = Alerts.Email("p", createdAt: Now), failed = Alerts.Email("f", createdAt: Now.AddSeconds(1)), dead = Alerts.Email("d", createdAt: Now.AddSeconds(2));
        await store.AddAsync([pending, failed, dead], default);
        await store.MarkFailedAsync(failed.AlertId, "SMTP 550", Now, AlertStatus.Failed, default);
        await store.MarkFailedAsync(dead.AlertId, "SMTP 451", Now, AlertStatus.Dead, default);

        Assert.Equal([pending.AlertId, failed.AlertId, dead.AlertId], (await Open().ListAsync(null, 10, default)).Select(e => e.Alert.AlertId));
        var deadEntry = Assert.Single(await Open().ListAsync(AlertStatus.Dead, 10, default));
        Assert.Equal((AlertStatus.Dead, 1, "SMTP 451"), (deadEntry.Status, deadEntry.Attempts, deadEntry.LastError));
        Assert.Equal(new OutboxCounts(1, 0, 1, 1), await Open().CountAsync(default));

        Assert.False(await Open().ReplayAsync(pending.AlertId, Now, default));
        Assert.True(await Open().ReplayAsync(dead.AlertId, Now.AddHours(1), default));
        Assert.True(await Open().ReplayAsync(failed.AlertId, Now.AddHours(1), default));
        Assert.False(await Open().ReplayAsync("no-such-alert", Now, default));

        var replayed = await Open().GetAsync(dead.AlertId, default);
        Assert.Equal((AlertStatus.Pending, 0, Now.AddHours(1)), (replayed!.Status, replayed.Attempts, replayed.NextAttemptAt));
        Assert.Equal(3, (await Open().GetDueAsync(Now.AddHours(1), 10, default)).Count);
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
            MovedFrom = "https://old.example.com/rss",
            MovedTo = "https://new.example.com/rss",
            GoneUrl = "https://gone.example.com/rss",
            MinInterval = TimeSpan.FromMinutes(60),
            AverageGap = TimeSpan.FromHours(3),
            LastPublishedAt = Now.AddHours(-1),
            FailureReported = true,
        };
        await Open().SaveFeedStateAsync(state, default);
        await Open().SaveFeedStateAsync(state with { ItemsSeen = 43 }, default);

        var states = await Open().GetFeedStatesAsync(default);

        Assert.Equal(state with { ItemsSeen = 43 }, states["wire"]);
    }
}
