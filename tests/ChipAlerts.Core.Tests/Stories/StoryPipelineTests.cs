using System.Text.Json;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Delivery.Webhooks;
using ChipAlerts.Core.Matching;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.Stories;
using ChipAlerts.Core.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace ChipAlerts.Core.Tests.Stories;

/// <summary>
/// Stories on the local host, end to end: real feeds on 127.0.0.1, a real SMTP server, a real SQLite file. The
/// texts are two outlets' reports of one event (<see cref="StoryExample"/>).
/// </summary>
public sealed class StoryPipelineTests : IAsyncLifetime
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly DateTimeOffset Now = new(2025, 8, 9, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDir dir = new();
    private readonly FakeTimeProvider time = new(Now);
    private TestServer server = null!;
    private SmtpSink smtp = null!;

    public async Task InitializeAsync()
    {
        server = await TestServer.StartAsync();
        server.MapFeed("/a", StoryExample.WireA).MapFeed("/b", StoryExample.WireB).MapText("/hook", "", "text/plain", 204);
        smtp = await SmtpSink.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await smtp.DisposeAsync();
        await server.DisposeAsync();
        dir.Dispose();
    }

    private static SubscriberConfig Desk(params string[] lists) => Configs.Desk with { WatchLists = [.. lists] };

    private PipelineHost Host(IEnumerable<FeedConfig> feeds, SubscriberConfig subscriber, bool stories = true) => PipelineHost.Create(
        dir,
        Configs.With(feeds, smtp.Port, subscriber, new SubscriberConfig { Id = "bot", WatchLists = subscriber.WatchLists, Channels = [new ChannelConfig { Type = "webhook", UrlSetting = "Hooks:Bot" }] }),
        new Dictionary<string, string?> { ["Hooks:Bot"] = server.Url("/hook").ToString(), ["ChipAlerts:Stories:Enabled"] = stories ? "true" : "false" },
        time);

    private FeedConfig A => Configs.Feed("wire-a", server.Url("/a")) with { Name = "Wire A" };

    private FeedConfig B => Configs.Feed("wire-b", server.Url("/b")) with { Name = "Wire B" };

    [Fact]
    public async Task TwoFeedsCarryingOneStory_EachSubscriberIsAlertedOnce_AsSoonAsTheFirstCopyArrives()
    {
        // Wire B answers only once the first copy's email and webhook went: the order is fixed, not raced.
        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Map("/hook", context =>
        {
            sent.TrySetResult();
            context.Response.StatusCode = 204;
            return Task.CompletedTask;
        });
        server.Map("/b-later", async context =>
        {
            await sent.Task.WaitAsync(context.RequestAborted);
            await smtp.WaitForMessagesAsync(1);
            context.Response.ContentType = "application/rss+xml";
            await context.Response.WriteAsync(StoryExample.WireB, context.RequestAborted);
        });
        using var host = Host([A, B with { Url = server.Url("/b-later").ToString() }], Desk("Export controls", "AI"));

        var cycle = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal((2, 1, 2), (cycle.NewItems, cycle.StoryCopies, cycle.AlertsCreated)); // one email, one webhook
        var email = Assert.Single(smtp.Messages);
        Assert.DoesNotContain("Reported by", email.TextBody, StringComparison.Ordinal); // it went before the second copy came
        var hook = JsonDocument.Parse(server.Requests.Single(r => r.Path == "/hook").Body).RootElement.GetProperty("story");
        Assert.Equal(32, hook.GetProperty("id").GetString()!.Length);
        Assert.Equal(["Wire A"], hook.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("feedName").GetString()));
        var story = Assert.Single(await host.Store.RecentStoriesAsync(10, default));
        Assert.Equal([StoryMember.First, StoryMember.Similar], story.Members.Select(m => m.Decision));
        Assert.Matches(@"^like 'US issues licenses.*' \(Wire A\): 0\.\d\d of their words in common beyond the watch-list terms$", story.Members[1].Explain());
    }

    [Fact]
    public async Task AnAlertThatGoesAfterTheSecondCopyCame_NamesBothSources()
    {
        // The relay refuses for a while (451): the email goes on its retry, when both copies are known.
        smtp.Reply = () => (SmtpServer.Protocol.SmtpReplyCode)451;
        using var host = Host([A, B], Desk("Export controls", "AI"));

        var cycle = await host.Pipeline.RunCycleAsync(allFeeds: true, default);
        smtp.Reply = () => null;
        time.Advance(TimeSpan.FromHours(1));
        await host.Outbox.DeliverDueAsync(default);

        Assert.Equal(1, cycle.StoryCopies);
        var email = Assert.Single(smtp.Messages);
        Assert.Contains("Reported by 2 sources: Wire ", email.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithStoriesOff_EveryCopyAlerts()
    {
        using var host = Host([A, B], Desk("Export controls"), stories: false);

        var cycle = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal(4, cycle.AlertsCreated);
        Assert.Equal(2, smtp.Messages.Count);
    }

    [Fact]
    public async Task ALaterCopyMatchingAListTheStoryHadNot_AlertsForThatListOnly_AndSaysWhyItIsTheSameStory()
    {
        using (var first = Host([A], Desk("Export controls", "AI")))
        {
            await first.Pipeline.RunCycleAsync(allFeeds: true, default);
        }

        // An hour later the second outlet's copy also names Micron, a list the story had not matched.
        server.MapFeed("/b", StoryExample.WireB.Replace("Nvidia's more advanced chips", "Micron and Nvidia's more advanced chips", StringComparison.Ordinal), "\"v2\"");
        time.Advance(TimeSpan.FromHours(1));
        using var host = Host([A, B], Desk("Export controls", "AI", "Micron"));
        var later = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal(2, later.AlertsCreated); // the email and the webhook, for Micron alone
        var email = smtp.Messages.Last();
        Assert.Equal("[ChipAlerts] Micron: US licenses Nvidia H20 chip exports to China", email.Subject);
        Assert.Contains("Part of a story already seen: like 'US issues licenses to Nvidia to export H20 chips to China' (Wire A)", email.TextBody, StringComparison.Ordinal);
        Assert.Contains("Reported by 2 sources: Wire A, Wire B", email.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACopyAfterTheWindow_IsAStoryOfItsOwn()
    {
        using (var first = Host([A], Desk("Export controls")))
        {
            await first.Pipeline.RunCycleAsync(allFeeds: true, default);
        }

        time.Advance(TimeSpan.FromHours(49));
        using var host = Host([A, B], Desk("Export controls"));
        var later = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal(2, later.AlertsCreated);
        Assert.Equal(2, (await host.Store.RecentStoriesAsync(10, default)).Count);
    }

    [Fact]
    public async Task ADigestShowsTheStoryWithTheCopiesThatCameAfterItsAlert()
    {
        var digest = Desk("Export controls") with { Digest = true };
        using (var first = Host([A], digest))
        {
            await first.Pipeline.RunCycleAsync(allFeeds: true, default);
        }

        using var host = Host([A, B], digest);
        await host.Pipeline.RunCycleAsync(allFeeds: true, default);
        await host.Outbox.SendAllDigestsAsync(default);

        var sent = Assert.Single(smtp.Messages);
        Assert.StartsWith("[ChipAlerts] Digest: 1 new items", sent.Subject, StringComparison.Ordinal);
        Assert.Contains("Reported by 2 sources: Wire A, Wire B", sent.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlacingAnItemAgain_AfterACrash_GivesTheSameStoryAndTheSameAlerts()
    {
        using var host = Host([A], Desk("Export controls"));
        var index = host.Get<StoryIndex>();
        var item = Alerts.Item("k-1", "US issues licenses to Nvidia to export H20 chips", "Export controls eased for Nvidia's H20 in China.");
        var matches = host.Get<WatchListMatcher>().Match(item);

        var first = await index.PlaceAsync(item, "Wire A", matches, Now, default);
        var again = await index.PlaceAsync(item, "Wire A", matches, Now.AddMinutes(5), default);

        Assert.Equal(first.Story.StoryId, again.Story.StoryId);
        Assert.Equal(first.Alerting, again.Alerting);
        Assert.Single(again.Story.Members);
    }

    [Fact]
    public void TheWebhookPayload_CarriesTheStoryIdAndItsSources()
    {
        var alert = Alerts.Email() with
        {
            Story = new AlertStory("story-1", [new StorySource("Wire A", "Title A", "https://a.example.com/1", Now), new StorySource("Wire B", "Title B", null, null)], "like 'Title A' (Wire A): 0.31 of their words in common"),
        };

        var json = JsonSerializer.SerializeToElement(WebhookPayload.From(alert), Web).GetProperty("story");

        Assert.Equal("story-1", json.GetProperty("id").GetString());
        Assert.Equal(["Wire A", "Wire B"], json.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("feedName").GetString()));
        Assert.Equal("like 'Title A' (Wire A): 0.31 of their words in common", json.GetProperty("joinedBecause").GetString());
    }
}
