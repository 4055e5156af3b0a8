using System.Globalization;
using System.Text;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace ChipAlerts.Core.Tests.Pipeline;

/// <summary>The backlog rule: a feed's first poll records its archive as seen and alerts only on what is recent.</summary>
public sealed class BacklogRuleTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDir dir = new();
    private readonly FakeTimeProvider time = new(Now);
    private TestServer server = null!;
    private SmtpSink smtp = null!;

    public async Task InitializeAsync()
    {
        server = await TestServer.StartAsync();
        smtp = await SmtpSink.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await smtp.DisposeAsync();
        await server.DisposeAsync();
        dir.Dispose();
    }

    /// <summary>A feed of <paramref name="old"/> items from 2023, <paramref name="recent"/> from the last hour and <paramref name="undated"/> without a date, all about Rapidus.</summary>
    private void MapFeed(int old, int recent, int undated = 0, string etag = "\"v1\"")
    {
        var rss = new StringBuilder("<rss version=\"2.0\"><channel><title>Archive</title>");
        for (var i = 0; i < old + recent + undated; i++)
        {
            var date = i < old ? new DateTimeOffset(2023, 5, 26, 0, 0, 0, TimeSpan.Zero).AddHours(-i) : Now.AddMinutes(-30 - i);
            var pubDate = i < old + recent ? $"<pubDate>{date.ToString("r", CultureInfo.InvariantCulture)}</pubDate>" : "";
            rss.Append(CultureInfo.InvariantCulture, $"<item><title>Rapidus update {i}</title><guid>a-{i}</guid>{pubDate}</item>");
        }

        server.MapFeed("/archive", rss.Append("</channel></rss>").ToString(), etag);
    }

    private PipelineHost Host(string? feedBackfill = null, string backfill = "1.00:00:00", int? cap = null, params SubscriberConfig[] subscribers) => PipelineHost.Create(
        dir,
        Configs.With([Configs.Feed("archive", server.Url("/archive")) with { Backfill = feedBackfill }], smtp.Port, subscribers),
        new Dictionary<string, string?>
        {
            ["ChipAlerts:Fetch:Backfill"] = backfill,
            ["ChipAlerts:Delivery:MaxImmediatePerPoll"] = (cap ?? new ChipAlerts.Core.Delivery.DeliveryOptions().MaxImmediatePerPoll).ToString(CultureInfo.InvariantCulture),
        },
        time);

    [Fact]
    public async Task FirstPoll_OfA500ItemArchive_AlertsOnlyOnTheRecentOnes_AndRecordsTheRest()
    {
        MapFeed(old: 498, recent: 2);
        using var host = Host();

        var first = await host.Pipeline.RunCycleAsync(allFeeds: true, default);
        var second = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal((500, 498, 2), (first.NewItems, first.BacklogItems, first.AlertsCreated));
        Assert.Equal(2, smtp.Messages.Count);
        Assert.Equal(0, second.NewItems); // the archive was recorded as seen
        Assert.Contains(host.Logs.Lines, l => l.Contains("Feed archive: first poll; 498 item(s) published before the backfill window (1.00:00:00) recorded as seen, without alerts.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AfterTheFirstPoll_EveryNewItemAlerts_WhateverItsDate()
    {
        MapFeed(old: 3, recent: 0);
        using var host = Host();
        await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        MapFeed(old: 5, recent: 0, etag: "\"v2\""); // two more old-dated items appear later: a publisher backdating, or a late wire
        var later = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal((2, 0, 2), (later.NewItems, later.BacklogItems, later.AlertsCreated));
    }

    [Theory]
    [InlineData("all", null, 500)] // the feed says all
    [InlineData(null, "all", 500)] // the default says all
    [InlineData("3650.00:00:00", null, 500)] // ten years: all of these
    [InlineData("00:00:00", null, 0)] // nothing from before the first poll
    public async Task Backfill_OfTheFeedOrTheDefault_SetsTheWindow(string? feedBackfill, string? defaultBackfill, int alerts)
    {
        MapFeed(old: 498, recent: 2);
        using var host = Host(feedBackfill, defaultBackfill ?? "1.00:00:00", cap: 1000); // the window alone

        var first = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal(alerts, first.AlertsCreated);
    }

    [Fact]
    public async Task FirstPoll_UndatedItems_AreBacklog_ForTheirAgeCannotBeKnown()
    {
        MapFeed(old: 0, recent: 1, undated: 3);
        using var host = Host();

        var first = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal((4, 3, 1), (first.NewItems, first.BacklogItems, first.AlertsCreated));
    }

    [Fact]
    public void Backfill_ThatIsNeitherAllNorADuration_IsAConfigurationError()
    {
        var config = Configs.With([Configs.Feed("archive", new Uri("https://example.com/feed")) with { Backfill = "forever" }]);

        var errors = ConfigLoader.Validate(config, dir.Path, new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());

        var error = Assert.Single(errors);
        Assert.Equal(("feeds[0].backfill", "'forever' is neither \"all\" nor a duration such as \"1.00:00:00\" (a day) or \"06:00:00\"."), (error.Path, error.Message));
    }

    [Fact]
    public async Task A500ItemFeed_WithTheWholeBacklogAllowed_SendsTheCap_AndOneMessageForTheRest()
    {
        MapFeed(old: 500, recent: 0);
        using var host = Host(feedBackfill: "all");

        var first = await host.Pipeline.RunCycleAsync(allFeeds: true, default);
        var second = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        // The default cap of 20, plus one.
        Assert.Equal((500, 21, 21), (first.NewItems, first.AlertsCreated, smtp.Messages.Count));
        var subjects = smtp.Messages.Select(m => m.Subject ?? "").ToList();
        // The newest 20 were sent one by one: items 0..19 (item i is i hours older than item 0).
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"[ChipAlerts] Rapidus: Rapidus update {i}").Order(), subjects.Where(s => !s.Contains('…', StringComparison.Ordinal)).Order());
        var overflow = Assert.Single(smtp.Messages, m => (m.Subject ?? "").Contains('…', StringComparison.Ordinal));
        Assert.Equal("[ChipAlerts] Rapidus: … and 480 more items matched Rapidus", overflow.Subject);
        Assert.Contains("480 items beyond the cap of 20 immediate alerts per poll", overflow.TextBody ?? "", StringComparison.Ordinal);
        Assert.Contains("The newest: Rapidus update 20 · Rapidus update 21", overflow.TextBody ?? "", StringComparison.Ordinal);
        Assert.Equal((0, 0), (second.NewItems, second.AlertsCreated));
    }

    [Fact]
    public async Task TheCap_IsASetting_AndCountsPerSubscriberChannel_NotForDigests()
    {
        MapFeed(old: 0, recent: 12);
        var reader = Configs.Desk with { Id = "reader", Channels = [new ChannelConfig { Type = "email", To = "reader@example.com" }] };
        var digest = Configs.Desk with { Id = "digest", Digest = true, Channels = [new ChannelConfig { Type = "email", To = "digest@example.com" }] };
        using var host = Host(cap: 5, subscribers: [Configs.Desk, reader, digest]);

        var first = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        // 5 + 1 for each immediate reader; all 12 held for the digest subscriber.
        Assert.Equal(6 + 6 + 12, first.AlertsCreated);
        Assert.Equal(6, smtp.Messages.Count(m => m.To.ToString() == "desk@example.com"));
        Assert.Equal(6, smtp.Messages.Count(m => m.To.ToString() == "reader@example.com"));
        Assert.Contains(smtp.Messages, m => m.Subject == "[ChipAlerts] Rapidus: … and 7 more items matched Rapidus");
    }

    [Fact]
    public async Task TheOverflowMessage_IsDerivedDeterministically_SoARepollAfterACrashStoresItOnce()
    {
        MapFeed(old: 0, recent: 30);
        using var host = Host(cap: 10);
        await host.Pipeline.RunCycleAsync(allFeeds: true, default);
        var ids = (await host.Outbox.ListAsync(null, 100, default)).Select(r => r.Alert.AlertId).Order().ToList();

        // The same items again (a crash before they were marked seen): the same 11 ids, nothing new.
        using var otherDir = new TempDir();
        using var again = PipelineHost.Create(otherDir, Configs.With([Configs.Feed("archive", server.Url("/archive"))], smtp.Port), new Dictionary<string, string?> { ["ChipAlerts:Delivery:MaxImmediatePerPoll"] = "10" }, time);
        await again.Pipeline.RunCycleAsync(allFeeds: true, default);
        var idsAgain = (await again.Outbox.ListAsync(null, 100, default)).Select(r => r.Alert.AlertId).Order().ToList();

        Assert.Equal(11, ids.Count);
        Assert.Equal(ids, idsAgain);
    }
}
