using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Delivery;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace ChipAlerts.Core.Tests.Delivery.Webhooks;

public sealed class WebhookChannelTests : IAsyncLifetime
{
    private const string SigningSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private readonly TempDir dir = new();
    private TestServer receiver = null!;

    public async Task InitializeAsync() => receiver = await TestServer.StartAsync();

    public async Task DisposeAsync()
    {
        await receiver.DisposeAsync();
        dir.Dispose();
    }

    private (IAlertChannel Channel, PipelineHost Host) Channel(string path)
    {
        var team = new SubscriberConfig
        {
            Id = "team",
            WatchLists = ["Rapidus"],
            Channels = [new ChannelConfig { Type = "webhook", UrlSetting = "Hooks:Team", SigningSecretSetting = "Hooks:TeamSecret" }],
        };
        var host = PipelineHost.Create(dir, Configs.With([Configs.Feed("f", new Uri("https://example.com/feed"))], null, team), new Dictionary<string, string?>
        {
            ["Hooks:Team"] = receiver.Url(path + "?token=secret-token").ToString(),
            ["Hooks:TeamSecret"] = SigningSecret,
        });
        return (host.Get<IEnumerable<IAlertChannel>>().Single(c => c.Type == "webhook"), host);
    }

    private static Alert TeamAlert() => Alerts.For(Alerts.Item(), new ChannelAddress("webhook", "Hooks:Team"), new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), "team");

    [Fact]
    public async Task Send_PostsVersionedJsonWithStandardWebhookHeaders()
    {
        receiver.MapText("/hook", "ok", "text/plain");
        var alert = TeamAlert();

        var result = await Channel("/hook").Channel.SendAsync(alert, default);

        Assert.Equal(DeliveryResult.Delivered, result);
        var request = Assert.Single(receiver.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("application/json; charset=utf-8", request.Headers["Content-Type"]);
        Assert.Equal(alert.AlertId, request.Headers["webhook-id"]);
        using var json = JsonDocument.Parse(request.Body);
        var root = json.RootElement;
        Assert.Equal(1, root.GetProperty("version").GetInt32());
        Assert.Equal("alert", root.GetProperty("type").GetString());
        Assert.Equal(alert.AlertId, root.GetProperty("alertId").GetString());
        Assert.Equal("Rapidus starts pilot line", root.GetProperty("item").GetProperty("title").GetString());
        Assert.Equal("Rapidus in title", root.GetProperty("matches")[0].GetProperty("explanation").GetString());
    }

    [Fact]
    public async Task Send_Signature_IsAcceptedByTheReferenceStandardWebhooksLibrary()
    {
        receiver.MapText("/hook", "ok", "text/plain");
        var (channel, host) = Channel("/hook");
        using var _ = host;
        await channel.SendAsync(TeamAlert(), default);
        var request = Assert.Single(receiver.Requests);

        var verified = await VerifyWithNodeAsync(SigningSecret, request.Headers, request.BodyText);
        var tampered = await VerifyWithNodeAsync(SigningSecret, request.Headers, request.BodyText.Replace("Rapidus", "Rapidvs", StringComparison.Ordinal));
        var wrongKey = await VerifyWithNodeAsync("whsec_" + Convert.ToBase64String(new byte[24]), request.Headers, request.BodyText);

        Assert.StartsWith("verified", verified, StringComparison.Ordinal);
        Assert.StartsWith("rejected: No matching signature found", tampered, StringComparison.Ordinal);
        Assert.StartsWith("rejected: No matching signature found", wrongKey, StringComparison.Ordinal);
    }

    /// <summary>Runs the npm "standardwebhooks" package (installed by the test build) on one request.</summary>
    private static async Task<string> VerifyWithNodeAsync(string secret, IReadOnlyDictionary<string, string> headers, string body)
    {
        var start = new System.Diagnostics.ProcessStartInfo("node")
        {
            WorkingDirectory = TestPaths.RepoRoot,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(TestPaths.RepoRoot, "tests", "ChipAlerts.Core.Tests", "Support", "verify-webhook.js"));
        using var node = System.Diagnostics.Process.Start(start)!;
        var webhookHeaders = headers.Where(h => h.Key.StartsWith("webhook-", StringComparison.OrdinalIgnoreCase)).ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value);
        await node.StandardInput.WriteAsync(JsonSerializer.Serialize(new { secret, headers = webhookHeaders, body }));
        node.StandardInput.Close();
        var output = await node.StandardOutput.ReadToEndAsync();
        await node.WaitForExitAsync();
        return output.Trim();
    }

    [Fact]
    public async Task Send_Signature_VerifiesIndependently()
    {
        receiver.MapText("/hook", "ok", "text/plain");

        await Channel("/hook").Channel.SendAsync(TeamAlert(), default);

        // Standard Webhooks: HMAC-SHA256 over "id.timestamp.body", key = base64 after "whsec_".
        var request = Assert.Single(receiver.Requests);
        var key = Convert.FromBase64String(SigningSecret["whsec_".Length..]);
        var signed = Encoding.UTF8.GetBytes($"{request.Headers["webhook-id"]}.{request.Headers["webhook-timestamp"]}.{request.BodyText}");
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
        Assert.Equal(expected, request.Headers["webhook-signature"]);
    }

    [Theory]
    [InlineData(500, DeliveryOutcome.RetryableFailure)]
    [InlineData(503, DeliveryOutcome.RetryableFailure)]
    [InlineData(408, DeliveryOutcome.RetryableFailure)]
    [InlineData(404, DeliveryOutcome.PermanentFailure)]
    [InlineData(400, DeliveryOutcome.PermanentFailure)]
    public async Task Send_ErrorStatus_IsClassified(int status, DeliveryOutcome outcome)
    {
        receiver.MapText("/hook", "no", "text/plain", status);

        var result = await Channel("/hook").Channel.SendAsync(TeamAlert(), default);

        Assert.Equal(outcome, result.Outcome);
        Assert.Equal($"the webhook answered {status}.", result.Reason);
    }

    [Fact]
    public async Task Send_410Gone_DisablesTheWebhookLikeAChatOne_AndItGetsNothingMore()
    {
        receiver.MapText("/hook", "gone", "text/plain", 410);
        var (_, host) = Channel("/hook");
        var later = Alerts.For(Alerts.Item("item-2"), new ChannelAddress("webhook", "Hooks:Team"), new DateTimeOffset(2026, 1, 1, 0, 1, 0, TimeSpan.Zero), "team");
        await host.Outbox.AddAsync([TeamAlert(), later], default);

        var summary = await host.Outbox.DeliverDueAsync(default);

        Assert.Equal(new(0, 0, 2), summary);
        Assert.Single(receiver.Requests);
        var optOut = Assert.Single(await host.Get<Core.State.IOptOutStore>().GetOptOutsAsync(default));
        Assert.Equal(("team", "webhook:Hooks:Team"), (optOut.SubscriberId, optOut.Channel.ToString()));
        Assert.Equal("the webhook answered 410: it was deleted or its URL changed; put a new URL in the setting 'Hooks:Team', then `chipalerts optouts remove`.", optOut.Reason);
    }

    [Fact]
    public async Task Send_429_CarriesRetryAfter()
    {
        receiver.Map("/hook", context =>
        {
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = "30";
            return Task.CompletedTask;
        });

        var result = await Channel("/hook").Channel.SendAsync(TeamAlert(), default);

        Assert.Equal(DeliveryResult.Retry("the webhook answered 429.", TimeSpan.FromSeconds(30)), result);
    }

    [Fact]
    public async Task Send_ReceiverNeverAnswers_TimesOutRetryably()
    {
        receiver.Map("/hook", context => Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted));

        var result = await Channel("/hook").Channel.SendAsync(TeamAlert(), default);

        Assert.Equal(DeliveryResult.Retry("the webhook did not answer within 2 s."), result);
    }

    [Fact]
    public async Task Send_Failures_NeverLeakTheUrlTokenOrSecret()
    {
        var (channel, host) = Channel("/hook");
        receiver.Map("/hook", context =>
        {
            context.Abort(); // connection dropped mid-request
            return Task.CompletedTask;
        });

        var direct = await channel.SendAsync(TeamAlert(), default);
        await host.Outbox.AddAsync([TeamAlert()], default);
        await host.Outbox.DeliverDueAsync(default);

        Assert.Equal(DeliveryOutcome.RetryableFailure, direct.Outcome);
        var everything = string.Join('\n', host.Logs.Lines.Append(direct.Reason));
        Assert.Contains(TeamAlert().AlertId, everything, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token", everything, StringComparison.Ordinal);
        Assert.DoesNotContain(SigningSecret["whsec_".Length..], everything, StringComparison.Ordinal);
    }
}
