using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.State;
using Microsoft.Extensions.Options;

namespace ChipAlerts.Core.Tests.Feeds;

public sealed class FeedPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly FeedConfig Feed = new() { Id = "f", Url = "https://f.example.com/rss", Interval = TimeSpan.FromMinutes(10) };

    private static FeedPlanner Planner(double jitter = 0.1) => new(Options.Create(new FetchOptions
    {
        Jitter = jitter,
        FailureBackoff = TimeSpan.FromMinutes(5),
        MaxBackoff = TimeSpan.FromHours(6),
    }), RandomSource.System);

    [Fact]
    public void Jitter_AddsUpToTheFractionAndNeverLess_SoFeedsSpreadOut()
    {
        var planner = Planner();
        var waits = Enumerable.Range(0, 1000).Select(_ => planner.NextPollAfterSuccess(Feed, new FeedState { FeedId = "f" }, Now) - Now).ToList();

        Assert.All(waits, w => Assert.InRange(w, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(11)));
        Assert.True(waits.Distinct().Count() > 900, "waits should differ");
        Assert.InRange(waits.Average(w => w.TotalSeconds), 610, 650);
    }

    [Theory]
    [InlineData(1, 10)] // never sooner than the interval
    [InlineData(2, 10)]
    [InlineData(4, 40)]
    [InlineData(10, 360)]
    [InlineData(100, 360)]
    public void Failure_BacksOffExponentiallyUpToTheCeiling(int failures, int minutes)
    {
        Assert.Equal(Now.AddMinutes(minutes), Planner(jitter: 0).NextPollAfterFailure(Feed, failures, null, Now));
    }

    [Fact]
    public void Failure_RetryAfterLongerThanTheBackoff_Wins()
    {
        Assert.Equal(Now.AddHours(2), Planner(jitter: 0).NextPollAfterFailure(Feed, 1, TimeSpan.FromHours(2), Now));
    }

    [Fact]
    public void Interval_IsTheLongestOfConfiguredFloorAndAdaptive()
    {
        var planner = Planner(jitter: 0);
        var state = new FeedState { FeedId = "f" };

        Assert.Equal(TimeSpan.FromMinutes(10), planner.IntervalAfterSuccess(Feed, state));
        Assert.Equal(TimeSpan.FromMinutes(45), planner.IntervalAfterSuccess(Feed, state with { MinInterval = TimeSpan.FromMinutes(45) }));
        Assert.Equal(TimeSpan.FromMinutes(20), planner.IntervalAfterSuccess(Feed, state with { AverageGap = TimeSpan.FromMinutes(40) }));
        Assert.Equal(TimeSpan.FromHours(1), planner.IntervalAfterSuccess(Feed, state with { AverageGap = TimeSpan.FromDays(7) }));
        Assert.Equal(TimeSpan.FromDays(1), planner.IntervalAfterSuccess(Feed, state with { MinInterval = TimeSpan.FromDays(365) })); // a CDN's max-age=31536000
    }

    [Fact]
    public void Due_GoneFeed_IsSkippedUntilItsUrlChanges()
    {
        var states = new Dictionary<string, FeedState> { ["f"] = new() { FeedId = "f", GoneUrl = Feed.Url, NextPollAt = Now.AddDays(-1) } };

        Assert.Empty(Planner().Due([Feed], states, Now));
        Assert.Single(Planner().Due([Feed with { Url = "https://f.example.com/new-rss" }], states, Now));
    }
}
