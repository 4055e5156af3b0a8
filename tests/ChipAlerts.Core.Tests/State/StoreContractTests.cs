using ChipAlerts.Core.Ledger;
using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.State;
using ChipAlerts.Core.Stories;
using ChipAlerts.Core.Tests.Support;
using ChipAlerts.Core.WebSub;

namespace ChipAlerts.Core.Tests.State;

/// <summary>
/// What every store must do, whatever it is built on. Each implementation's test class derives from
/// this and says how to open the store; opening it again must see the same data (a restarted process).
/// </summary>
public abstract class StoreContractTests<TStore>
    where TStore : IFeedStateStore, IItemLedger, IOutboxStore, IOptOutStore, IStoryStore, IPushSubscriptionStore
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

    protected static OutboxRecord Pending(Alert alert, DateTimeOffset? due = null) =>
        new() { Alert = alert, State = AlertState.Pending, DueAt = due ?? alert.CreatedAt };

    private static async Task<List<ActiveAlert>> ActiveAsync(IOutboxStore store, string? lane = null)
    {
        var active = new List<ActiveAlert>();
        await foreach (var a in store.ActiveAsync(lane, default))
        {
            active.Add(a);
        }

        return active;
    }

    [Fact]
    public async Task Outbox_SameAlertTwice_IsStoredOnce_AndNeverReset()
    {
        var store = Open();
        var alert = Alerts.Email(createdAt: Now);

        Assert.Equal([alert.AlertId], await store.InsertAsync([Pending(alert)], default));
        var stored = (await store.GetAsync(alert.AlertId, default))!;
        Assert.NotNull(await store.TryUpdateAsync(stored, stored with { State = AlertState.Delivered, Attempts = 1, DeliveredAt = Now }, default));

        // Derived again later (a crash before the items were marked seen): a new creation time, the same id.
        Assert.Empty(await Open().InsertAsync([Pending(alert with { CreatedAt = Now.AddMinutes(1) })], default));
        Assert.Empty(await Open().InsertAsync([Pending(alert)], default));

        Assert.Equal(AlertState.Delivered, (await Open().GetAsync(alert.AlertId, default))!.State);
        Assert.Empty(await ActiveAsync(Open()));
        Assert.Equal(new OutboxCounts(0, 1, 0), await store.CountAsync(default));
    }

    [Fact]
    public async Task Outbox_Record_RoundTripsAcrossReopen()
    {
        var alert = Alerts.Email(createdAt: Now);
        await Open().InsertAsync([Pending(alert)], default);
        var stored = (await Open().GetAsync(alert.AlertId, default))!;
        var next = stored with { Attempts = 3, LastError = "SMTP 451", DueAt = Now.AddMinutes(4) };

        Assert.NotNull(await Open().TryUpdateAsync(stored, next, default));

        var read = (await Open().GetAsync(alert.AlertId, default))!;
        Assert.Equal((AlertState.Pending, 3, "SMTP 451", Now.AddMinutes(4), (DateTimeOffset?)null), (read.State, read.Attempts, read.LastError, read.DueAt, read.DeliveredAt));
        Assert.Equal(alert.Item, read.Alert.Item);
        Assert.Equal(alert.Channel, read.Alert.Channel);
        Assert.Equal(alert.Matches[0].Evidence, read.Alert.Matches[0].Evidence);
        Assert.Null(await Open().GetAsync("no-such-alert", default));
    }

    [Fact]
    public async Task Outbox_Update_IsConditionalOnTheCopyRead()
    {
        var alert = Alerts.Email(createdAt: Now);
        await Open().InsertAsync([Pending(alert)], default);
        var read = (await Open().GetAsync(alert.AlertId, default))!;

        var written = await Open().TryUpdateAsync(read, read with { State = AlertState.Claimed, DueAt = Now.AddMinutes(5) }, default);

        Assert.NotNull(written);
        Assert.Null(await Open().TryUpdateAsync(read, read with { State = AlertState.Claimed, DueAt = Now.AddMinutes(6) }, default));
        Assert.NotNull(await Open().TryUpdateAsync(written, written with { State = AlertState.Delivered, Attempts = 1 }, default));
    }

    [Fact]
    public async Task Outbox_UpdateEach_IsConditionalPerCopy_ResultsInTheOrderGiven()
    {
        Alert a = Alerts.Email("a", createdAt: Now), b = Alerts.Email("b", createdAt: Now.AddSeconds(1)), c = Alerts.Email("c", createdAt: Now.AddSeconds(2));
        await Open().InsertAsync([Pending(a), Pending(b), Pending(c)], default);
        var (readA, readB, readC) = ((await Open().GetAsync(a.AlertId, default))!, (await Open().GetAsync(b.AlertId, default))!, (await Open().GetAsync(c.AlertId, default))!);
        var staleB = readB;
        Assert.NotNull(await Open().TryUpdateAsync(readB, readB with { State = AlertState.Claimed, DueAt = Now.AddMinutes(5) }, default)); // b changed since it was read

        var written = await Open().TryUpdateEachAsync(
            [(readA, readA with { State = AlertState.Delivered, Attempts = 1, DeliveredAt = Now }), (staleB, staleB with { State = AlertState.Failed }), (readC, readC with { State = AlertState.Claimed, DueAt = Now.AddMinutes(5) })],
            default);

        Assert.Equal([AlertState.Delivered, null, AlertState.Claimed], written.Select(w => w?.State));
        Assert.Equal([AlertState.Delivered, AlertState.Claimed, AlertState.Claimed], [(await Open().GetAsync(a.AlertId, default))!.State, (await Open().GetAsync(b.AlertId, default))!.State, (await Open().GetAsync(c.AlertId, default))!.State]);
        Assert.Equal([b.AlertId, c.AlertId], (await ActiveAsync(Open())).Select(x => x.AlertId));
        // Each result carries its new version: the next write from it wins.
        Assert.NotNull(await Open().TryUpdateAsync(written[2]!, written[2]! with { State = AlertState.Delivered }, default));
        Assert.Empty(await Open().TryUpdateEachAsync([], default));
    }

    [Fact]
    public async Task Outbox_ConcurrentWritersOfOneCopy_ExactlyOneWins()
    {
        var alert = Alerts.Email(createdAt: Now);
        await Open().InsertAsync([Pending(alert)], default);
        var read = (await Open().GetAsync(alert.AlertId, default))!;

        var wins = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            Open().TryUpdateAsync(read, read with { State = AlertState.Claimed, DueAt = Now.AddMinutes(i) }, default))));

        Assert.Equal(1, wins.Count(w => w is not null));
    }

    [Fact]
    public async Task Outbox_Active_HoldsPendingAndClaimedOnly_EachLaneOldestFirst()
    {
        var store = Open();
        Alert ana2 = Alerts.Email("a2", "ana@example.com", Now.AddSeconds(2)), ana1 = Alerts.Email("a1", "ana@example.com", Now.AddSeconds(1)),
            ben = Alerts.Email("b1", "ben@example.com", Now), digest = Alerts.Email("d1", "ana@example.com", Now) with { Digest = true };
        await store.InsertAsync([Pending(ana2), Pending(ben), Pending(ana1), Pending(digest, Now.AddDays(1))], default);

        var lanes = (await ActiveAsync(Open())).GroupBy(a => a.Lane).ToDictionary(g => g.Key, g => g.Select(a => a.AlertId).ToList());

        Assert.Equal([ana1.AlertId, ana2.AlertId], lanes["email:ana@example.com"]);
        Assert.Equal([ben.AlertId], lanes["email:ben@example.com"]);
        var held = Assert.Single(lanes[OutboxRecord.LaneOf(digest)]);
        Assert.Equal(digest.AlertId, held);
        Assert.Equal([ana1.AlertId, ana2.AlertId], (await ActiveAsync(Open(), "email:ana@example.com")).Select(a => a.AlertId));
        Assert.True((await ActiveAsync(Open(), OutboxRecord.LaneOf(digest))).Single().Digest);

        // Claimed stays active; delivered and failed leave; replayed comes back.
        var a1 = (await store.GetAsync(ana1.AlertId, default))!;
        var claimed = (await store.TryUpdateAsync(a1, a1 with { State = AlertState.Claimed, DueAt = Now.AddMinutes(5) }, default))!;
        Assert.Equal(4, (await ActiveAsync(Open())).Count);
        await store.TryUpdateAsync(claimed, claimed with { State = AlertState.Delivered, Attempts = 1 }, default);
        var b1 = (await store.GetAsync(ben.AlertId, default))!;
        var failed = (await store.TryUpdateAsync(b1, b1 with { State = AlertState.Failed, Attempts = 1, LastError = "SMTP 550" }, default))!;
        Assert.Equal(new[] { ana2.AlertId, digest.AlertId }.Order(), (await ActiveAsync(Open())).Select(a => a.AlertId).Order());
        Assert.NotNull(await store.TryUpdateAsync(failed, failed with { State = AlertState.Pending, Attempts = 0, DueAt = Now.AddHours(1) }, default));
        Assert.Contains(ben.AlertId, (await ActiveAsync(Open())).Select(a => a.AlertId));
    }

    [Fact]
    public async Task Outbox_ActiveDueAt_IsNeverLaterThanTheRecords()
    {
        var store = Open();
        var alert = Alerts.Email(createdAt: Now);
        await store.InsertAsync([Pending(alert)], default);
        var read = (await store.GetAsync(alert.AlertId, default))!;

        var claimed = (await store.TryUpdateAsync(read, read with { State = AlertState.Claimed, DueAt = Now.AddMinutes(5) }, default))!;
        Assert.True((await ActiveAsync(Open())).Single().DueAt <= claimed.DueAt);
        var retrying = (await store.TryUpdateAsync(claimed, claimed with { State = AlertState.Pending, Attempts = 1, DueAt = Now.AddMinutes(10) }, default))!;
        var active = (await ActiveAsync(Open())).Single();
        Assert.Equal(Now.AddMinutes(10), active.DueAt); // a retry moves it, so a pass need not read the alert to know it waits
        Assert.Equal(retrying.AlertId, (await Open().ReadActiveAsync(active, default))!.AlertId);

        var delivered = await store.TryUpdateAsync(retrying, retrying with { State = AlertState.Delivered, Attempts = 2 }, default);
        Assert.NotNull(delivered);
        Assert.Null(await Open().ReadActiveAsync(active, default));
    }

    [Fact]
    public async Task Outbox_ListByState_AndCount()
    {
        var store = Open();
        Alert pending = Alerts.Email("p", createdAt: Now), failed = Alerts.Email("f", createdAt: Now.AddSeconds(1)), dead = Alerts.Email("d", createdAt: Now.AddSeconds(2));
        await store.InsertAsync([Pending(pending), Pending(failed) with { State = AlertState.Failed, Attempts = 1, LastError = "SMTP 550" }, Pending(dead) with { State = AlertState.Dead, Attempts = 1, LastError = "SMTP 451" }], default);

        Assert.Equal([pending.AlertId, failed.AlertId, dead.AlertId], (await Open().ListAsync(null, 10, default)).Select(e => e.AlertId));
        Assert.Equal([pending.AlertId, failed.AlertId], (await Open().ListAsync(null, 2, default)).Select(e => e.AlertId));
        var deadEntry = Assert.Single(await Open().ListAsync(AlertState.Dead, 10, default));
        Assert.Equal((AlertState.Dead, 1, "SMTP 451"), (deadEntry.State, deadEntry.Attempts, deadEntry.LastError));
        Assert.Equal(new OutboxCounts(1, 0, 1, 1), await Open().CountAsync(default));
        Assert.Equal([pending.AlertId], (await ActiveAsync(Open())).Select(a => a.AlertId));
    }

    [Fact]
    public async Task PushSubscriptions_OneWriterWinsEachVersion_FoundByToken_AcrossReopen()
    {
        var requested = new PushSubscription
        {
            FeedId = "wire/1#a?b",
            Hub = "https://hub.example.com/",
            Topic = "https://wire.example.com/feed.xml",
            Token = "t1",
            Secret = "s1",
            State = PushState.Requested,
            RequestedAt = Now,
        };

        // Two runners making the feed's first subscription at once: one is stored.
        var made = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => Open().TrySavePushSubscriptionAsync(requested with { Token = $"t{i + 1}" }, default))));
        var stored = Assert.Single(made, m => m is not null)!;
        Assert.NotNull(stored.Version);

        var found = await Open().GetPushSubscriptionByTokenAsync(stored.Token, default);
        Assert.Equal(stored, found);
        Assert.Null(await Open().GetPushSubscriptionByTokenAsync("unknown", default));

        // An update on the copy read wins once; a second one on the same copy is refused.
        var active = found! with { State = PushState.Active, VerifiedAt = Now, LeaseUntil = Now.AddDays(10) };
        var updated = await Open().TrySavePushSubscriptionAsync(active, default);
        Assert.NotNull(updated);
        Assert.Null(await Open().TrySavePushSubscriptionAsync(active with { State = PushState.Failed }, default));
        Assert.Equal([updated], await Open().GetPushSubscriptionsAsync(default));

        await Open().DeletePushSubscriptionAsync(requested.FeedId, default);
        Assert.Empty(await Open().GetPushSubscriptionsAsync(default));
        Assert.Null(await Open().TrySavePushSubscriptionAsync(updated!, default)); // removed meanwhile
    }

    [Fact]
    public async Task FeedState_KeepsTheHubItAnnounced()
    {
        await Open().SaveFeedStateAsync(new FeedState { FeedId = "wire", Hub = "https://hub.example.com/", Topic = "https://wire.example.com/feed.xml" }, default);

        var state = (await Open().GetFeedStatesAsync(default))["wire"];

        Assert.Equal(("https://hub.example.com/", "https://wire.example.com/feed.xml"), (state.Hub, state.Topic));
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
    public async Task FeedLease_OfTwoPollersThatReadTheSameState_OneWins_UntilReleasedOrExpired()
    {
        var never = new FeedState { FeedId = "wire" };
        var first = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Open().TryLeaseAsync(never, Now, Now.AddMinutes(2), default))));
        var leased = Assert.Single(first, l => l is not null)!;
        Assert.Equal(Now.AddMinutes(2), leased.LeaseUntil);

        // Read while it is leased: refused until the lease ends.
        var read = (await Open().GetFeedStatesAsync(default))["wire"];
        Assert.Equal(Now.AddMinutes(2), read.LeaseUntil);
        Assert.Null(await Open().TryLeaseAsync(read, Now.AddMinutes(1), Now.AddMinutes(3), default));
        Assert.NotNull(await Open().TryLeaseAsync(read, Now.AddMinutes(2), Now.AddMinutes(4), default)); // the poller died: its lease expired

        // Saving the poll releases it; a poller that planned on the copy from before the save loses.
        var stale = (await Open().GetFeedStatesAsync(default))["wire"];
        await Open().SaveFeedStateAsync(stale with { LastPolledAt = Now.AddMinutes(3) }, default);
        var fresh = (await Open().GetFeedStatesAsync(default))["wire"];
        Assert.Null(fresh.LeaseUntil);
        Assert.Null(await Open().TryLeaseAsync(stale with { LeaseUntil = null }, Now.AddMinutes(3), Now.AddMinutes(5), default));
        Assert.NotNull(await Open().TryLeaseAsync(fresh, Now.AddMinutes(3), Now.AddMinutes(5), default));
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
            RetryAfterUntil = Now.AddHours(2),
        };
        await Open().SaveFeedStateAsync(state, default);
        await Open().SaveFeedStateAsync(state with { ItemsSeen = 43 }, default);

        var states = await Open().GetFeedStatesAsync(default);

        Assert.Equal(state with { ItemsSeen = 43 }, states["wire"] with { Version = null });
        Assert.NotNull(states["wire"].Version);
    }

    private static Story NewStory(string id, params string[] lists) => new()
    {
        StoryId = id,
        CreatedAt = Now,
        LastSeenAt = Now,
        Lists = lists,
        Members = [new StoryMember { ItemKey = "item-" + id, FeedId = "wire", FeedName = "Wire", Title = "Story " + id, JoinedAt = Now, Decision = StoryMember.First, NewLists = lists, Words = StoryText.Encode(new HashSet<ulong> { 1, 2, 3 }) }],
    };

    [Fact]
    public async Task Stories_AreFoundByTheirKeys_AddedSinceTheWindowBegan_AndReadBackWhole()
    {
        Assert.NotNull(await Open().SaveStoryAsync(NewStory("s-old", "Rapidus"), ["m:aa", "i:item-s-old"], Now.AddDays(-3), default));
        Assert.NotNull(await Open().SaveStoryAsync(NewStory("s-new", "Micron"), ["m:aa", "m:bb", "i:item-s-new"], Now, default));

        var found = await Open().FindStoriesAsync(["m:aa", "m:zz"], Now.AddDays(-2), 10, default);
        var both = await Open().FindStoriesAsync(["m:aa"], Now.AddDays(-4), 10, default);

        var story = Assert.Single(found);
        Assert.Equal(("s-new", "Micron", "Story s-new", StoryMember.First), (story.StoryId, story.Lists[0], story.Title, story.Members[0].Decision));
        Assert.Equal(new HashSet<ulong> { 1, 2, 3 }, StoryText.Decode(story.Members[0].Words!));
        Assert.Equal(["s-new", "s-old"], both.Select(s => s.StoryId)); // the one seen last first
        Assert.Empty(await Open().FindStoriesAsync(["m:none"], Now.AddDays(-4), 10, default));
        Assert.Equal(["s-new", "s-old"], (await Open().RecentStoriesAsync(10, default)).Select(s => s.StoryId));
    }

    [Fact]
    public async Task Stories_ASaveOverAStaleVersion_IsRefused_SoTwoWritersCannotLoseACopy()
    {
        var first = NewStory("s-1", "Rapidus");
        var version = await Open().SaveStoryAsync(first, ["i:item-s-1"], Now, default);
        var read = (await Open().GetStoryAsync("s-1", default))!;
        var copy = read.Members[0] with { ItemKey = "copy", Decision = StoryMember.SameLink };

        var mine = await Open().SaveStoryAsync(read with { Members = [.. read.Members, copy] }, ["i:copy"], Now.AddMinutes(1), default);
        var theirs = await Open().SaveStoryAsync(read with { Members = [.. read.Members, copy with { ItemKey = "other" }] }, ["i:other"], Now.AddMinutes(1), default);
        var again = await Open().SaveStoryAsync(first, ["i:item-s-1"], Now, default); // a second creator of the same story

        Assert.NotNull(version);
        Assert.Equal(version, read.Version);
        Assert.NotNull(mine);
        Assert.Null(theirs);
        Assert.Null(again);
        Assert.Equal(["item-s-1", "copy"], (await Open().GetStoryAsync("s-1", default))!.Members.Select(m => m.ItemKey));
        Assert.Null(await Open().GetStoryAsync("s-none", default));
    }
}
