using System.Text.Json;
using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace ChipAlerts.Core.Tests.Pipeline;

/// <summary>
/// Severity routing on the local host, end to end: a real feed, a real Teams receiver, a real SMTP server
/// (the Functions host's twin is in FunctionPipelineTests).
/// </summary>
public sealed class SeverityRoutingPipelineTests : IAsyncLifetime
{
    private readonly TempDir dir = new();
    private readonly FakeTimeProvider time = new(RoutingExample.InQuietHours);
    private TestServer server = null!;
    private SmtpSink smtp = null!;

    public async Task InitializeAsync()
    {
        server = await TestServer.StartAsync();
        server.MapFeed("/feed", RoutingExample.Feed).MapText("/teams", "", "text/plain", 202);
        smtp = await SmtpSink.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await smtp.DisposeAsync();
        await server.DisposeAsync();
        dir.Dispose();
    }

    [Fact]
    public async Task TheUrgentItem_ReachesTeamsAndEmailInQuietHours_ThePassingMentionWaitsForTheDigest()
    {
        using var host = PipelineHost.Create(dir, Configs.With([Configs.Feed("wire", server.Url("/feed"))], smtp.Port, RoutingExample.Desk),
            new Dictionary<string, string?> { ["Hooks:Teams"] = server.Url("/teams").ToString() }, time);

        var cycle = await host.Pipeline.RunCycleAsync(allFeeds: true, default);

        Assert.Equal((3, 2), (cycle.AlertsCreated, cycle.AlertsDelivered));
        var email = Assert.Single(smtp.Messages);
        Assert.Equal("[ChipAlerts] Export controls: New export controls put chip makers on the Entity List", email.Subject);
        Assert.Contains(RoutingExample.UrgentNoteInEmail, email.TextBody, StringComparison.Ordinal);
        var card = RoutingExample.Texts(JsonDocument.Parse(server.Requests.Single(r => r.Path == "/teams").Body).RootElement);
        Assert.Contains(card, t => t.Contains(RoutingExample.UrgentNoteInTeams, StringComparison.Ordinal));
        var held = Assert.Single(await host.Outbox.ListAsync(AlertState.Pending, 10, default));
        Assert.Equal(("Memory prices rise for a third quarter", true, "the rest"), (held.Alert.Item.Title, held.Alert.Digest, held.Alert.Route!.Name));

        // 08:00 in Tokyo: the digest goes, and says which route put the item there.
        time.SetUtcNow(new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.FromHours(9)));
        await host.Outbox.DeliverDueAsync(default);

        Assert.Equal(2, smtp.Messages.Count);
        var digest = smtp.Messages.Last();
        Assert.StartsWith("[ChipAlerts] Digest: 1 new items", digest.Subject, StringComparison.Ordinal);
        Assert.Contains("Memory prices rise for a third quarter", digest.TextBody, StringComparison.Ordinal);
        Assert.Contains("route 'the rest' (every match)", digest.TextBody, StringComparison.Ordinal);
    }
}
