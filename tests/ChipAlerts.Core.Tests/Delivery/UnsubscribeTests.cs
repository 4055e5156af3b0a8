using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Delivery;
using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using MimeKit;

namespace ChipAlerts.Core.Tests.Delivery;

/// <summary>List-Id, RFC 8058 one-click List-Unsubscribe, signed tokens, and opt-outs that stop alerts; chat webhooks found deleted are disabled.</summary>
public sealed class UnsubscribeTests : IAsyncLifetime
{
    private const string Key = "0123456789abcdef0123456789abcdef-test-key";
    private const string Endpoint = "https://alerts.example.com/api/unsubscribe";

    private readonly TempDir dir = new();
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private SmtpSink smtp = null!;
    private TestServer web = null!;

    public async Task InitializeAsync()
    {
        smtp = await SmtpSink.StartAsync();
        web = await TestServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await web.DisposeAsync();
        await smtp.DisposeAsync();
        dir.Dispose();
    }

    private PipelineHost Host(string? unsubscribeUrl = Endpoint, params FeedConfig[] feeds) => Host(unsubscribeUrl, null, feeds);

    private PipelineHost Host(string? unsubscribeUrl, string? mailbox, params FeedConfig[] feeds)
    {
        var config = Configs.With(feeds.Length > 0 ? feeds : [Configs.Feed("f", new Uri("https://example.com/feed"))], smtp.Port);
        config = config with { Email = config.Email! with { UnsubscribeUrl = unsubscribeUrl, UnsubscribeMailbox = mailbox } };
        return PipelineHost.Create(dir, config, new Dictionary<string, string?> { ["ChipAlerts:UnsubscribeKey"] = Key }, time);
    }

    [Theory]
    [InlineData(Endpoint)]
    [InlineData(null)]
    public async Task Email_WithAnUnsubscribeMailbox_OffersTheMailtoForm_WhoseTokenUnsubscribes(string? endpoint)
    {
        using var host = Host(endpoint, "unsubscribe@chipalerts.test");
        await host.Outbox.AddAsync([Alerts.Email(createdAt: time.GetUtcNow())], default);

        await host.Outbox.DeliverDueAsync(default);

        var message = Assert.Single(smtp.Messages);
        var unsubscribes = host.Get<Unsubscribes>();
        var mailto = unsubscribes.MailtoFor("desk", new ChannelAddress("email", "desk@example.com"))!;
        Assert.StartsWith("mailto:unsubscribe@chipalerts.test?subject=unsubscribe%20", mailto.AbsoluteUri, StringComparison.Ordinal);
        var link = unsubscribes.LinkFor("desk", new ChannelAddress("email", "desk@example.com"));
        Assert.Equal(link is null ? $"<{mailto.AbsoluteUri}>" : $"<{link.AbsoluteUri}>, <{mailto.AbsoluteUri}>", message.Headers[HeaderId.ListUnsubscribe]);
        Assert.Equal(link is not null, message.Headers.Contains("List-Unsubscribe-Post")); // one-click needs the https link
        var (outcome, optOut) = await unsubscribes.UnsubscribeAsync(Unsubscribes.TokenIn(mailto.AbsoluteUri), default);
        Assert.Equal((UnsubscribeOutcome.Unsubscribed, "desk"), (outcome, optOut!.SubscriberId));
    }

    [Fact]
    public async Task Email_CarriesListIdAndOneClickUnsubscribe_WithAFooterLink()
    {
        using var host = Host();
        await host.Outbox.AddAsync([Alerts.Email(createdAt: time.GetUtcNow())], default);

        await host.Outbox.DeliverDueAsync(default);

        var message = Assert.Single(smtp.Messages);
        var link = host.Get<Unsubscribes>().LinkFor("desk", new ChannelAddress("email", "desk@example.com"))!;
        Assert.StartsWith(Endpoint + "?token=", link.AbsoluteUri, StringComparison.Ordinal);
        Assert.Equal("ChipAlerts <desk.chipalerts.test>", message.Headers[HeaderId.ListId]);
        Assert.Equal($"<{link.AbsoluteUri}>", message.Headers[HeaderId.ListUnsubscribe]);
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
        Assert.Contains($"Unsubscribe: {link.AbsoluteUri}", message.TextBody, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"{link.AbsoluteUri}\"", message.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, message.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Email_WithoutAnUnsubscribeEndpoint_HasListIdOnly()
    {
        using var host = Host(unsubscribeUrl: null);
        await host.Outbox.AddAsync([Alerts.Email(createdAt: time.GetUtcNow())], default);

        await host.Outbox.DeliverDueAsync(default);

        var message = Assert.Single(smtp.Messages);
        Assert.Equal("ChipAlerts <desk.chipalerts.test>", message.Headers[HeaderId.ListId]);
        Assert.Null(message.Headers[HeaderId.ListUnsubscribe]);
        Assert.Null(message.Headers["List-Unsubscribe-Post"]);
    }

    [Fact]
    public async Task Token_FromTheLink_Unsubscribes_PendingAlertsAreNotSent_AndNewOnesAreNotMade()
    {
        web.MapFeed("/wire", """
            <rss version="2.0"><channel><title>Wire</title>
              <item><guid>1</guid><title>Rapidus starts 2nm pilot line</title><link>https://wire.example.com/1</link></item>
            </channel></rss>
            """);
        using var host = Host(Endpoint, Configs.Feed("wire", web.Url("/wire")));
        var unsubscribes = host.Get<Unsubscribes>();
        var desk = new ChannelAddress("email", "desk@example.com");
        await host.Outbox.AddAsync([Alerts.Email("waiting", createdAt: time.GetUtcNow())], default);
        var token = System.Web.HttpUtility.ParseQueryString(unsubscribes.LinkFor("desk", desk)!.Query)["token"]!;

        var first = await unsubscribes.UnsubscribeAsync(token, default);
        var again = await unsubscribes.UnsubscribeAsync(token, default);
        var delivered = await host.Outbox.DeliverDueAsync(default);
        var cycle = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal(UnsubscribeOutcome.Unsubscribed, first.Outcome);
        Assert.Equal(UnsubscribeOutcome.AlreadyUnsubscribed, again.Outcome);
        var optOut = Assert.Single(await host.Store.GetOptOutsAsync(default));
        Assert.Equal(("desk", desk, "the recipient unsubscribed"), (optOut.SubscriberId, optOut.Channel, optOut.Reason));
        Assert.Equal(new(0, 0, 1), delivered);
        var failed = Assert.Single(await host.Outbox.ListAsync(AlertState.Failed, 10, default));
        Assert.Equal("not sent: the recipient unsubscribed (2026-01-01 12:00 UTC).", failed.LastError);
        Assert.Equal((1, 0), (cycle.NewItems, cycle.AlertsCreated));
        Assert.Empty(smtp.Messages);

        Assert.True(await host.Store.RemoveOptOutAsync("desk", desk, default));
        Assert.Empty(await host.Store.GetOptOutsAsync(default));
    }

    [Theory]
    [InlineData("edited subscriber")]
    [InlineData("other key")]
    [InlineData("truncated")]
    [InlineData("garbage")]
    public async Task Token_NotMadeByUs_IsRefusedAndChangesNothing(string how)
    {
        using var host = Host();
        var unsubscribes = host.Get<Unsubscribes>();
        var good = Unsubscribes.Token(new Secret(Key), "desk", new ChannelAddress("email", "desk@example.com"));
        var token = how switch
        {
            // Someone else's name with this link's signature.
            "edited subscriber" => System.Buffers.Text.Base64Url.EncodeToString("ana\nemail:ana@example.com"u8) + good[good.IndexOf('.', StringComparison.Ordinal)..],
            "other key" => Unsubscribes.Token(new Secret(new string('k', 40)), "desk", new ChannelAddress("email", "desk@example.com")),
            "truncated" => good[..^4],
            _ => "not a token at all",
        };

        var (outcome, _) = await unsubscribes.UnsubscribeAsync(token, default);

        Assert.Equal(UnsubscribeOutcome.InvalidToken, outcome);
        Assert.Empty(await host.Store.GetOptOutsAsync(default));
    }

    [Fact]
    public async Task ChatWebhookDeleted_DisablesThatChannel_SaysSo_AndSendsItNothingMore()
    {
        web.Map("/slack", context =>
        {
            context.Response.StatusCode = 404;
            return Task.CompletedTask;
        });
        var team = new SubscriberConfig
        {
            Id = "team",
            WatchLists = ["Rapidus"],
            Channels = [new ChannelConfig { Type = "slack", UrlSetting = "Hooks:Team" }],
        };
        using var host = PipelineHost.Create(dir, Configs.With([Configs.Feed("f", new Uri("https://example.com/feed"))], null, team),
            new Dictionary<string, string?> { ["Hooks:Team"] = web.Url("/slack").ToString() }, time);
        var slack = new ChannelAddress("slack", "Hooks:Team");
        await host.Outbox.AddAsync([.. Enumerable.Range(0, 3).Select(i => Alerts.For(Alerts.Item($"i{i}"), slack, time.GetUtcNow().AddSeconds(i - 10), "team"))], default);

        var summary = await host.Outbox.DeliverDueAsync(default);

        Assert.Equal(new(0, 0, 3), summary);
        Assert.Single(web.Requests); // the other two were not posted to a webhook known to be gone
        var optOut = Assert.Single(await host.Store.GetOptOutsAsync(default));
        Assert.Equal(("team", slack), (optOut.SubscriberId, optOut.Channel));
        Assert.StartsWith("the slack webhook answered 404: it was deleted or its URL changed; put a new URL in the setting 'Hooks:Team'", optOut.Reason, StringComparison.Ordinal);
        Assert.Contains(host.Logs.Lines, l => l.Contains("Disabled the slack channel of subscriber team", StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains(web.BaseUri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/slack", StringComparison.Ordinal));
    }
}
