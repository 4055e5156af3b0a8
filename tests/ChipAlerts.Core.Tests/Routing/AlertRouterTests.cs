using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Matching;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Core.Tests.Routing;

public sealed class AlertRouterTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly SubscriberConfig Analyst = new()
    {
        Id = "analyst",
        WatchLists = ["micron"],
        Channels = [new ChannelConfig { Type = "email", To = "Analyst@Example.com" }, new ChannelConfig { Type = "webhook", UrlSetting = "Hooks:Analyst" }],
    };

    private static WatchListMatch Match(string list) => new() { WatchList = list, Evidence = [new MatchEvidence(list, "title", 0, 1, "x", 0)] };

    [Fact]
    public void Route_OneAlertPerChannelOfEachInterestedSubscriber()
    {
        var router = new AlertRouter([Configs.Desk, Analyst]);

        var alerts = router.Route(Alerts.Item(), "Wire", [Match("Rapidus"), Match("Micron")], Now);

        Assert.Equal(
            ["desk email:desk@example.com Rapidus, Micron", "analyst email:analyst@example.com Micron", "analyst webhook:Hooks:Analyst Micron"],
            alerts.Select(a => $"{a.SubscriberId} {a.Channel} {a.WatchLists}"));
    }

    [Fact]
    public void Route_NoInterestedSubscriber_NoAlerts()
    {
        var router = new AlertRouter([Analyst]);

        Assert.Empty(router.Route(Alerts.Item(), "Wire", [Match("Rapidus")], Now));
        Assert.Empty(router.Route(Alerts.Item(), "Wire", [], Now));
    }

    [Fact]
    public void Route_AlertId_IsDeterministicAndDistinct()
    {
        var router = new AlertRouter([Configs.Desk, Analyst]);

        var first = router.Route(Alerts.Item(), "Wire", [Match("Micron")], Now).Select(a => a.AlertId).ToList();
        var again = router.Route(Alerts.Item(), "Wire", [Match("Micron")], Now.AddHours(1)).Select(a => a.AlertId).ToList();
        var otherItem = router.Route(Alerts.Item("item-2"), "Wire", [Match("Micron")], Now).Select(a => a.AlertId).ToList();

        Assert.Equal(first, again);
        Assert.Equal(3, first.Distinct().Count());
        Assert.Empty(first.Intersect(otherItem));
        Assert.All(first, id => Assert.Matches("^[0-9a-f]{32}$", id));
    }
}
