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

    private PipelineHost Host(string? feedBackfill = null, string backfill = "1.00:00:00") => PipelineHost.Create(
        dir,
        Configs.With([Configs.Feed("archive", server.Url("/archive")) with { Backfill = feedBackfill }], smtp.Port),
        new Dictionary<string, string?> { ["ChipAlerts:Fetch:Backfill"] = backfill },
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
        using var host = Host(feedBackfill, defaultBackfill ?? "1.00:00:00");

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
}
