using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Delivery.Webhooks;
using ChipAlerts.Core.Matching;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace ChipAlerts.Core.Tests.Routing;

/// <summary>A subscriber's routes pick channel and timing by score and list; the first route that takes an item wins.</summary>
public sealed class SeverityRoutingTests
{
    // 23:30 in Tokyo: inside the desk's quiet hours.
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 14, 30, 0, TimeSpan.Zero);

    public static SubscriberConfig Desk { get; } = new()
    {
        Id = "desk",
        WatchLists = ["Export controls", "AI"],
        TimeZone = "Asia/Tokyo",
        QuietHours = new QuietHoursConfig { From = "22:00", To = "07:00" },
        Channels =
        [
            new ChannelConfig { Type = "teams", UrlSetting = "Hooks:Teams" },
            new ChannelConfig { Type = "email", To = "desk@example.com" },
            new ChannelConfig { Type = "email", Name = "archive", To = "archive@example.com" },
        ],
        Routes =
        [
            new RouteConfig { Name = "urgent", WatchLists = ["Export controls"], MinScore = 6, Channels = ["teams", "desk-mail"], ThroughQuietHours = true },
            new RouteConfig { Name = "ai now", WatchLists = ["AI"], MinScore = 3, Channels = ["archive"] },
            new RouteConfig { Name = "the rest", Deliver = RouteConfig.DigestTiming, Channels = ["email"] },
        ],
    };

    private static SubscriberConfig Valid => Desk with
    {
        Channels = [.. Desk.Channels.Select((c, i) => i == 1 ? c with { Name = "desk-mail" } : c)],
    };

    private static WatchListMatch Match(string list, int score) => new() { WatchList = list, Score = score, Evidence = [new MatchEvidence(list, "title", 0, 1, "x", 0)] };

    private static List<Alert> Route(params WatchListMatch[] matches) => [.. new AlertRouter([Valid]).Route(Alerts.Item(), "Wire", matches, Now)];

    [Fact]
    public void AHighScore_OnTheUrgentList_GoesToTeamsAndEmail_Now_ThroughQuietHours()
    {
        var alerts = Route(Match("Export controls", 7));

        Assert.Equal(["teams:Hooks:Teams", "email:desk@example.com"], alerts.Select(a => a.Channel.ToString()));
        Assert.All(alerts, a => Assert.Equal((false, (DateTimeOffset?)null), (a.Digest, a.NotBefore)));
        Assert.Equal(new AlertRoute("urgent", "Export controls scored 7, at least 6", "now, through quiet hours"), alerts[0].Route);
        Assert.Equal("Sent now, through quiet hours by route 'urgent' (Export controls scored 7, at least 6)", Assert.Single(alerts[0].Notes()));
    }

    [Fact]
    public void TheWebhookPayload_CarriesTheRoute()
    {
        var payload = WebhookPayload.From(Route(Match("Export controls", 7))[0]);

        Assert.Equal(new WebhookRoute("urgent", "Export controls scored 7, at least 6", "now, through quiet hours"), payload.Route);
    }

    [Fact]
    public void ARouteWithoutThroughQuietHours_WaitsForTheirEnd()
    {
        var alert = Assert.Single(Route(Match("AI", 3)));

        Assert.Equal(("email:archive@example.com", "ai now"), (alert.Channel.ToString(), alert.Route!.Name));
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 7, 0, 0, TimeSpan.FromHours(9)), alert.NotBefore); // 07:00 in Tokyo
    }

    [Fact]
    public void APassingMention_FallsThroughToTheDigest_OnEveryChannelOfTheType()
    {
        var alerts = Route(Match("Export controls", 1));

        Assert.Equal(["email:desk@example.com", "email:archive@example.com"], alerts.Select(a => a.Channel.ToString()));
        Assert.All(alerts, a => Assert.True(a.Digest));
        Assert.Equal(new AlertRoute("the rest", "every match", "in the digest"), alerts[0].Route);
    }

    [Fact]
    public void TheFirstRouteThatTakesTheItemWins_AndTheAlertCarriesAllItsMatches()
    {
        var alerts = Route(Match("AI", 9), Match("Export controls", 6));

        Assert.Equal("urgent", alerts[0].Route!.Name);
        Assert.Equal("AI, Export controls", alerts[0].WatchLists);
    }

    [Fact]
    public void AnItemNoRouteTakes_IsNotSent()
    {
        var strict = Valid with { Routes = [Valid.Routes![0]] };

        Assert.Empty(new AlertRouter([strict]).Route(Alerts.Item(), "Wire", [Match("Export controls", 2)], Now));
    }

    [Fact]
    public void TheAlertId_DoesNotDependOnTheRoute_SoARouteChangeCannotResendAnAlert()
    {
        var urgent = Route(Match("Export controls", 7)).Single(a => a.Channel.Type == "email");
        var digest = Route(Match("Export controls", 1)).First();

        Assert.Equal(urgent.AlertId, digest.AlertId);
    }

    [Fact]
    public void Routes_AreValidatedAtStartUp_EachErrorNamingItsFieldAndTheFix()
    {
        var config = Configs.With([Configs.Feed("f", new Uri("https://example.com/feed"))], null, Desk with
        {
            Digest = true,
            Routes =
            [
                .. Desk.Routes!,
                new RouteConfig { Name = "urgent", WatchLists = ["Quantum"], MinScore = 0, Deliver = "later", Channels = ["pager"] },
                new RouteConfig { Name = "", Deliver = "digest", ThroughQuietHours = true },
            ],
        });
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Hooks:Teams"] = "https://example.com/teams" }).Build();

        var errors = ConfigLoader.Validate(config, Path.GetTempPath(), settings).Select(e => $"{e.Path}: {e.Message}").ToList();

        Assert.Equal(
            [
                "subscribers[0].digest: with routes, each route says whether it delivers \"now\" or in the \"digest\"; remove \"digest\": true (digestSchedule still sets when the digest goes).",
                "subscribers[0].routes[0].channels[1]: 'desk-mail' is neither the name nor the type of one of this subscriber's channels: teams, email, archive.",
                "subscribers[0].routes[3].name: 'urgent' names another route of this subscriber too; give each route its own name.",
                "subscribers[0].routes[3].watchLists[0]: 'Quantum' is not a list this subscriber follows; use one of: Export controls, AI.",
                "subscribers[0].routes[3].minScore: 0 is not a score: give 1 or more (a title hit adds 3, a summary hit 1, by default), or leave it out.",
                "subscribers[0].routes[3].channels[0]: 'pager' is neither the name nor the type of one of this subscriber's channels: teams, email, archive.",
                "subscribers[0].routes[3].deliver: 'later' is not a timing; write \"now\" or \"digest\" (on the subscriber's digestSchedule).",
                "subscribers[0].routes[4].name: missing: name the route (\"urgent\", \"the rest\"); each alert it chooses says so.",
                "subscribers[0].routes[4].throughQuietHours: a digest keeps its own schedule; throughQuietHours is for routes that deliver \"now\".",
            ],
            errors);
        Assert.Empty(ConfigLoader.Validate(config with { Subscribers = [Valid] }, Path.GetTempPath(), settings));
    }

    [Fact]
    public void TheReadmeExample_IsAValidSubscriber_AndRoutesAsItSays()
    {
        var readme = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "README.md"));
        var section = readme[readme.IndexOf("### Severity routing", StringComparison.Ordinal)..];
        var start = section.IndexOf("```jsonc", StringComparison.Ordinal) + "```jsonc".Length;
        var json = section[start..section.IndexOf("```", start, StringComparison.Ordinal)];
        var subscriber = System.Text.Json.JsonSerializer.Deserialize<SubscriberConfig>(json, ConfigLoader.JsonOptions)!;
        var config = Configs.With([Configs.Feed("f", new Uri("https://example.com/feed"))], null, subscriber);
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Hooks:PolicyTeams"] = "https://example.com/teams" }).Build();

        Assert.Empty(ConfigLoader.Validate(config, Path.GetTempPath(), settings));
        var router = new AlertRouter([subscriber]);
        var urgent = router.Route(Alerts.Item(), "Wire", [Match("Export controls", 6)], Now);
        var passing = router.Route(Alerts.Item(), "Wire", [Match("Export controls", 1)], Now);
        Assert.Equal(["teams:Hooks:PolicyTeams", "email:policy-desk@example.com"], urgent.Select(a => a.Channel.ToString()));
        Assert.All(urgent, a => Assert.Null(a.NotBefore)); // 23:30 in Tokyo, through quiet hours
        Assert.Equal(["email:policy-desk@example.com", "email:archive@example.com"], passing.Select(a => a.Channel.ToString()));
        Assert.All(passing, a => Assert.True(a.Digest));
    }
}
