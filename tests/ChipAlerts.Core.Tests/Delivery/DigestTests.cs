using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using SmtpServer.Protocol;

namespace ChipAlerts.Core.Tests.Delivery;

public sealed class DigestTests : IAsyncLifetime
{
    private const string Feed = """
        <rss version="2.0"><channel><title>Wire</title>
          <item><title>Rapidus starts 2nm pilot line</title><guid>d-1</guid><link>https://wire.example.com/1</link></item>
          <item><title>Micron (MU.O) beats estimates</title><guid>d-2</guid><link>https://wire.example.com/2</link></item>
        </channel></rss>
        """;

    private const string SigningSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private readonly TempDir dir = new();
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private TestServer server = null!;
    private SmtpSink smtp = null!;

    public async Task InitializeAsync()
    {
        server = await TestServer.StartAsync();
        server.MapFeed("/feed", Feed).MapText("/hook", "ok", "text/plain");
        smtp = await SmtpSink.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await smtp.DisposeAsync();
        await server.DisposeAsync();
        dir.Dispose();
    }

    private PipelineHost Host(params SubscriberConfig[] subscribers) => PipelineHost.Create(
        dir,
        Configs.With([Configs.Feed("wire", server.Url("/feed"))], smtp.Port, subscribers),
        new Dictionary<string, string?> { ["Hooks:Team"] = server.Url("/hook").ToString(), ["Hooks:TeamSecret"] = SigningSecret },
        time);

    private static SubscriberConfig Digest(ChannelConfig channel) => new()
    {
        Id = "weekly",
        WatchLists = ["Rapidus", "Micron"],
        Channels = [channel],
        Digest = true,
    };

    [Fact]
    public async Task Email_DigestSubscriberGetsOneMessageGroupedByWatchList_ImmediateOneGetsEach()
    {
        using var host = Host(Configs.Desk, Digest(new ChannelConfig { Type = "email", To = "weekly@example.com" }));

        var cycle = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal((4, 2, 2), (cycle.AlertsCreated, cycle.AlertsDelivered, cycle.AlertsPending));
        Assert.All(smtp.Messages, m => Assert.Equal("desk@example.com", m.To.Mailboxes.Single().Address));

        var digest = await host.Outbox.SendAllDigestsAsync(default);

        Assert.Equal(new(2, 0, 0), digest);
        var message = smtp.Messages.Single(m => m.To.Mailboxes.Single().Address == "weekly@example.com");
        Assert.Equal("[ChipAlerts] Digest: 2 new items on Rapidus, Micron", message.Subject);
        Assert.Contains("Rapidus (1)\n\n- Rapidus starts 2nm pilot line\n  wire · https://wire.example.com/1\n  matched Rapidus in title", message.TextBody!.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("Micron (1)\n\n- Micron (MU.O) beats estimates", message.TextBody!.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://wire.example.com/2\" style=\"color:#0969da\">Micron (MU.O) beats estimates</a>", message.HtmlBody, StringComparison.Ordinal);
        Assert.Equal(new OutboxCounts(0, 4, 0), await host.Outbox.CountAsync(default));

        Assert.Equal(new(0, 0, 0), await host.Outbox.SendAllDigestsAsync(default));
        Assert.Equal(3, smtp.Messages.Count);
    }

    [Fact]
    public async Task Digest_GoesOutWhenTheSubscribersScheduleComesInTheirTimeZone_OnceFromTheCycle()
    {
        // 12:00 UTC is 21:00 in Tokyo; the next 08:00 there is 23:00 UTC.
        using var host = Host(Digest(new ChannelConfig { Type = "email", To = "weekly@example.com" }) with { Digest = false, DigestSchedule = "0 8 * * *", TimeZone = "Asia/Tokyo" });

        var made = await host.Pipeline.RunCycleAsync(allFeeds: true, default);
        time.Advance(TimeSpan.FromHours(10) + TimeSpan.FromMinutes(59));
        var early = await host.Pipeline.RunCycleAsync(allFeeds: true, default);
        time.Advance(TimeSpan.FromMinutes(1));
        var due = await host.Pipeline.RunCycleAsync(allFeeds: true, default);
        var after = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal((2, 0, 2), (made.AlertsCreated, made.AlertsDelivered, made.AlertsPending));
        Assert.Equal((0, 2), (early.AlertsDelivered, early.AlertsPending));
        Assert.Equal((2, 0), (due.AlertsDelivered, due.AlertsPending));
        Assert.Equal(0, after.AlertsDelivered);
        var message = Assert.Single(smtp.Messages);
        Assert.Equal("[ChipAlerts] Digest: 2 new items on Rapidus, Micron", message.Subject);
    }

    [Fact]
    public async Task QuietHours_HoldImmediateAlertsUntilTheWindowEnds_InTheSubscribersTimeZone()
    {
        // 22:30 UTC is 23:30 in Berlin (winter), inside 22:00-07:00; it ends at 07:00 Berlin = 06:00 UTC.
        time.Advance(TimeSpan.FromHours(10.5));
        var night = Configs.Desk with { TimeZone = "Europe/Berlin", QuietHours = new QuietHoursConfig { From = "22:00", To = "07:00" } };
        using var host = Host(night);

        var made = await host.Pipeline.RunCycleAsync(allFeeds: true, default);
        var pending = await host.Outbox.ListAsync(AlertState.Pending, 10, default);
        time.Advance(TimeSpan.FromHours(7.5) - TimeSpan.FromSeconds(1));
        var before = await host.Outbox.DeliverDueAsync(default);
        time.Advance(TimeSpan.FromSeconds(1));
        var morning = await host.Outbox.DeliverDueAsync(default);

        Assert.Equal((2, 0), (made.AlertsCreated, made.AlertsDelivered));
        Assert.All(pending, e => Assert.Equal(new DateTimeOffset(2026, 1, 2, 6, 0, 0, TimeSpan.Zero), e.DueAt));
        Assert.Equal(new(0, 0, 0), before);
        Assert.Equal(new(2, 0, 0), morning);
        Assert.Equal(2, smtp.Messages.Count);
    }

    [Fact]
    public async Task Email_DigestFailure_KeepsTheAlertsForTheNextPass()
    {
        using var host = Host(Digest(new ChannelConfig { Type = "email", To = "weekly@example.com" }));
        await host.Pipeline.RunCycleAsync(allFeeds: true, default);
        smtp.Reply = () => (SmtpReplyCode)451;

        Assert.Equal(new(0, 2, 0), await host.Outbox.SendAllDigestsAsync(default));
        smtp.Reply = () => null;
        Assert.Equal(new(2, 0, 0), await host.Outbox.SendAllDigestsAsync(default));

        Assert.Single(smtp.Messages);
    }

    [Fact]
    public async Task Webhook_DigestIsOneSignedPostWithEveryAlert()
    {
        using var host = Host(Digest(new ChannelConfig { Type = "webhook", UrlSetting = "Hooks:Team", SigningSecretSetting = "Hooks:TeamSecret" }));
        await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        await host.Outbox.SendAllDigestsAsync(default);

        var request = Assert.Single(server.Requests, r => r.Path == "/hook");
        using var json = JsonDocument.Parse(request.Body);
        Assert.Equal("digest", json.RootElement.GetProperty("type").GetString());
        var ids = json.RootElement.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("alertId").GetString()!).ToList();
        Assert.Equal(2, ids.Count);
        var digestId = ItemKeysOf(ids);
        Assert.Equal(digestId, request.Headers["webhook-id"]);
        Assert.Equal(digestId, json.RootElement.GetProperty("digestId").GetString());
        var key = Convert.FromBase64String(SigningSecret["whsec_".Length..]);
        var signed = Encoding.UTF8.GetBytes($"{digestId}.{request.Headers["webhook-timestamp"]}.{request.BodyText}");
        Assert.Equal("v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed)), request.Headers["webhook-signature"]);
    }

    [Fact]
    public async Task UnknownChannel_FailsTheDigestAlertsWithTheReason_InsteadOfHoldingThemForever()
    {
        using var host = Host(Configs.Desk);
        var alert = Alerts.For(Alerts.Item(), new ChannelAddress("pager", "desk"), time.GetUtcNow()) with { Digest = true };
        await host.Outbox.AddAsync([alert], default);

        Assert.Equal(new(0, 0, 1), await host.Outbox.SendAllDigestsAsync(default));

        var entry = await host.Outbox.GetAsync(alert.AlertId, default);
        Assert.Equal((AlertState.Failed, "no channel of type 'pager' is registered."), (entry!.State, entry.LastError));
    }

    private static string ItemKeysOf(IEnumerable<string> alertIds) =>
        Alert.DigestIdOf(alertIds.Select(id => Alerts.Email() with { AlertId = id }));
}
