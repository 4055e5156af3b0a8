using System.Text.Json;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Delivery;
using ChipAlerts.Core.Delivery.Chat;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Core.Tests.Delivery.Chat;

/// <summary>Slack, Teams and Discord payloads as their receivers get them, from a real server on 127.0.0.1.</summary>
public sealed class ChatChannelTests : IAsyncLifetime
{
    private const string HostileTitle = "<!channel> @everyone <@U024BE7LH> *Rapidus* [click](javascript:alert(1)) <at>Boss</at> & co";

    private readonly TempDir dir = new();
    private TestServer receiver = null!;
    private PipelineHost host = null!;

    public async Task InitializeAsync()
    {
        receiver = await TestServer.StartAsync();
        receiver.MapText("/slack", "ok", "text/plain").MapText("/teams", "", "text/plain", 202).MapText("/discord", "", "text/plain", 204).MapText("/deleted", "", "text/plain", 404);
        var team = new SubscriberConfig
        {
            Id = "team",
            WatchLists = ["Rapidus"],
            Channels =
            [
                new ChannelConfig { Type = "slack", UrlSetting = "Hooks:Slack" },
                new ChannelConfig { Type = "teams", UrlSetting = "Hooks:Teams" },
                new ChannelConfig { Type = "discord", UrlSetting = "Hooks:Discord" },
                new ChannelConfig { Type = "slack", UrlSetting = "Hooks:Deleted" },
            ],
        };
        host = PipelineHost.Create(dir, Configs.With([Configs.Feed("f", new Uri("https://example.com/feed"))], null, team), new Dictionary<string, string?>
        {
            ["Hooks:Slack"] = receiver.Url("/slack?token=t").ToString(),
            ["Hooks:Teams"] = receiver.Url("/teams?sig=s").ToString(),
            ["Hooks:Discord"] = receiver.Url("/discord").ToString(),
            ["Hooks:Deleted"] = receiver.Url("/deleted").ToString(),
            // Not about timeouts: a loaded machine (the whole suite building and running) must not turn a slow answer into a retry.
            ["ChipAlerts:Delivery:WebhookTimeout"] = "00:00:30",
        });
    }

    public async Task DisposeAsync()
    {
        host.Dispose();
        await receiver.DisposeAsync();
        dir.Dispose();
    }

    private IAlertChannel Channel(string type) => host.Get<IEnumerable<IAlertChannel>>().Single(c => c.Type == type);

    private static Alert AlertFor(string type, string key = "item-1", string title = HostileTitle, string? summary = null) =>
        Alerts.For(Alerts.Item(key, title, summary ?? "Summary with @here and <!everyone> " + new string('x', 10_000)), new ChannelAddress(type, "Hooks:" + char.ToUpperInvariant(type[0]) + type[1..]), DateTimeOffset.UnixEpoch, "team");

    private JsonElement Sent(string path) => JsonDocument.Parse(receiver.Requests.Last(r => r.Path == path).Body).RootElement;

    [Fact]
    public async Task Slack_BlockKitWithinLimits_AndTheHeadlineMentionsNoOne()
    {
        var alert = AlertFor("slack");

        Assert.Equal(DeliveryResult.Delivered, await Channel("slack").SendAsync(alert, default));

        var body = receiver.Requests.Last(r => r.Path == "/slack").BodyText;
        var json = Sent("/slack");
        var blocks = json.GetProperty("blocks").EnumerateArray().ToList();
        Assert.InRange(blocks.Count, 1, SlackFormat.MaxBlocks);
        Assert.Equal("section", blocks[0].GetProperty("type").GetString());
        var section = blocks[0].GetProperty("text").GetProperty("text").GetString()!;
        Assert.Equal("mrkdwn", blocks[0].GetProperty("text").GetProperty("type").GetString());
        Assert.InRange(section.Length, 1, SlackFormat.MaxSectionText);
        Assert.StartsWith("*<https://wire.example.com/item-1|&lt;!channel&gt; @everyone &lt;@U024BE7LH&gt; *Rapidus* [click](javascript:alert(1)) &lt;at&gt;Boss&lt;/at&gt; &amp; co>*", section, StringComparison.Ordinal);
        Assert.Equal("context", blocks[1].GetProperty("type").GetString());
        Assert.Equal("*Rapidus*: &lt;!chann in title", blocks[1].GetProperty("elements")[0].GetProperty("text").GetString());
        Assert.StartsWith("[ChipAlerts] Rapidus: &lt;!channel&gt;", json.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.False(json.GetProperty("unfurl_links").GetBoolean());
        Assert.DoesNotContain("<!channel>", body, StringComparison.Ordinal);
        Assert.DoesNotContain("<!everyone>", body, StringComparison.Ordinal);
        Assert.DoesNotContain("<@U024BE7LH>", body, StringComparison.Ordinal);
        Assert.Equal(alert.AlertId, receiver.Requests.Last().Headers["webhook-id"]);
    }

    [Fact]
    public async Task Teams_AdaptiveCard15InTheWorkflowsEnvelope_AndTheHeadlineMentionsNoOne()
    {
        Assert.Equal(DeliveryResult.Delivered, await Channel("teams").SendAsync(AlertFor("teams"), default));

        var json = Sent("/teams");
        Assert.Equal("message", json.GetProperty("type").GetString());
        var attachment = Assert.Single(json.GetProperty("attachments").EnumerateArray());
        Assert.Equal("application/vnd.microsoft.card.adaptive", attachment.GetProperty("contentType").GetString());
        Assert.Equal(JsonValueKind.Null, attachment.GetProperty("contentUrl").ValueKind);
        var card = attachment.GetProperty("content");
        Assert.Equal(("AdaptiveCard", "1.5", "http://adaptivecards.io/schemas/adaptive-card.json"),
            (card.GetProperty("type").GetString(), card.GetProperty("version").GetString(), card.GetProperty("$schema").GetString()));
        var body = card.GetProperty("body").EnumerateArray().ToList();
        Assert.Equal(["TextBlock", "TextBlock", "FactSet", "TextBlock"], body.Select(b => b.GetProperty("type").GetString()));
        Assert.Equal("\\<\\!channel\\> @\u200Beveryone \\<@\u200BU024BE7LH\\> \\*Rapidus\\* \\[click\\]\\(javascript:alert\\(1\\)\\) \\<at\\>Boss\\</at\\> & co", body[0].GetProperty("text").GetString());
        Assert.Equal("\\<\\!chann in title", body[2].GetProperty("facts")[0].GetProperty("value").GetString()); // the test's evidence: the title's first 7 characters
        Assert.InRange(body[3].GetProperty("text").GetString()!.Length, 1000, 1200); // 1,000 characters of summary, escaped
        var action = Assert.Single(card.GetProperty("actions").EnumerateArray());
        Assert.Equal(("Action.OpenUrl", "https://wire.example.com/item-1"), (action.GetProperty("type").GetString(), action.GetProperty("url").GetString()));
        Assert.False(card.TryGetProperty("msteams", out _)); // no entities: nothing can mention
    }

    [Fact]
    public async Task Discord_EmbedWithinLimits_NoMentionsAllowed()
    {
        Assert.Equal(DeliveryResult.Delivered, await Channel("discord").SendAsync(AlertFor("discord", title: HostileTitle + new string('y', 500)), default));

        var json = Sent("/discord");
        Assert.Empty(json.GetProperty("allowed_mentions").GetProperty("parse").EnumerateArray());
        Assert.False(json.TryGetProperty("content", out _));
        var embed = Assert.Single(json.GetProperty("embeds").EnumerateArray());
        var title = embed.GetProperty("title").GetString()!;
        Assert.Equal(256, title.Length);
        Assert.EndsWith("…", title, StringComparison.Ordinal);
        Assert.StartsWith("\\<\\!channel\\> @\u200Beveryone", title, StringComparison.Ordinal);
        Assert.InRange(embed.GetProperty("description").GetString()!.Length, 1, 4096);
        Assert.Contains("@\u200Bhere", embed.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("https://wire.example.com/item-1", embed.GetProperty("url").GetString());
        Assert.Equal("Rapidus", embed.GetProperty("fields")[0].GetProperty("name").GetString());
        Assert.InRange(DiscordFormat.Size(System.Text.Json.Nodes.JsonNode.Parse(embed.GetRawText())!.AsObject()), 1, DiscordFormat.MaxCharactersPerMessage);
    }

    [Fact]
    public async Task Discord_LongDigest_IsSplitIntoMessagesWithinLimits_NeverRejected()
    {
        var alerts = Enumerable.Range(0, 25).Select(i => AlertFor("discord", $"item-{i}", $"Rapidus item {i} " + new string('t', 300))).ToList();

        Assert.Equal(DeliveryResult.Delivered, await Channel("discord").SendDigestAsync(alerts, default));

        var messages = receiver.Requests.Where(r => r.Path == "/discord").Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.True(messages.Count >= 3, $"{messages.Count} messages");
        Assert.All(messages, m =>
        {
            var embeds = m.GetProperty("embeds").EnumerateArray().ToList();
            Assert.InRange(embeds.Count, 1, DiscordFormat.MaxEmbedsPerMessage);
            Assert.InRange(embeds.Sum(e => DiscordFormat.Size(System.Text.Json.Nodes.JsonNode.Parse(e.GetRawText())!.AsObject())), 1, DiscordFormat.MaxCharactersPerMessage);
        });
        Assert.Equal(25, messages.Sum(m => m.GetProperty("embeds").GetArrayLength()));
        Assert.Equal("ChipAlerts digest: 25 new items", messages[0].GetProperty("content").GetString());
        var ids = receiver.Requests.Where(r => r.Path == "/discord").Select(r => r.Headers["webhook-id"]).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public async Task Slack_LongDigest_StaysWithin50BlocksAndSaysWhatIsLeftOut()
    {
        var alerts = Enumerable.Range(0, 60).Select(i => AlertFor("slack", $"item-{i}", $"Rapidus item {i}")).ToList();

        Assert.Equal(DeliveryResult.Delivered, await Channel("slack").SendDigestAsync(alerts, default));

        var blocks = Sent("/slack").GetProperty("blocks").EnumerateArray().ToList();
        Assert.InRange(blocks.Count, 40, SlackFormat.MaxBlocks);
        Assert.Equal("ChipAlerts digest: 60 new items", blocks[0].GetProperty("text").GetProperty("text").GetString());
        Assert.Matches(@"^…and \d+ more; Slack shows at most 50 blocks in one message\.$", blocks[^1].GetProperty("elements")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Chat_DeletedWebhook_FailsForGoodAndSaysWhichSettingToReplace()
    {
        var alert = Alerts.For(Alerts.Item(), new ChannelAddress("slack", "Hooks:Deleted"), DateTimeOffset.UnixEpoch, "team");

        var result = await Channel("slack").SendAsync(alert, default);

        Assert.Equal(DeliveryOutcome.PermanentFailure, result.Outcome);
        Assert.Equal("the slack webhook answered 404: it was deleted or its URL changed; put a new URL in the setting 'Hooks:Deleted', then `chipalerts optouts remove`.", result.Reason);
        Assert.True(result.DestinationGone);
    }
}
