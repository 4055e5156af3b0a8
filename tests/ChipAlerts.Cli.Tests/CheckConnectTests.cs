using ChipAlerts.Cli.Tests.Support;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Cli.Tests;

/// <summary>`check --connect` against real servers: it reaches each, sends nothing, and never prints a webhook URL's secret path.</summary>
[Collection(EnvironmentCollection.Name)]
public sealed class CheckConnectTests : IDisposable
{
    private readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    private string Config(int smtpPort) => CliRunner.WriteSamples(dir, json => json
        .Replace("\"from\": \"ChipAlerts <alerts@chipalerts.example>\"", $"\"from\": \"ChipAlerts <alerts@chipalerts.example>\", \"smtp\": {{ \"host\": \"127.0.0.1\", \"port\": {smtpPort}, \"security\": \"None\" }}", StringComparison.Ordinal)
        .Replace(
            "\"channels\": [ { \"type\": \"email\", \"to\": \"policy-desk@example.com\" } ]",
            "\"channels\": [ { \"type\": \"email\", \"to\": \"policy-desk@example.com\" }, { \"type\": \"slack\", \"urlSetting\": \"Hooks:Team\" } ]",
            StringComparison.Ordinal));

    [Fact]
    public async Task Connect_ReachesTheStoreTheRelayAndEachWebhookHost_SendingNothing()
    {
        await using var smtp = await SmtpSink.StartAsync();
        using var hook = PlainHttpServer.Start([], "text/plain");
        var secretUrl = hook.Url + "services/T000/B000/secret-token";

        var result = await CliRunner.RunWithEnvironmentAsync("Hooks__Team", secretUrl,
            "check", "--connect", "--config", Config(smtp.Port), "--data", dir.File("chipalerts.db"), "--outbox", dir.File("outbox"));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"OK store: {dir.File("chipalerts.db")}", result.Output, StringComparison.Ordinal);
        Assert.Contains($"OK smtp: 127.0.0.1:{smtp.Port}: connected, no TLS, no login", result.Output, StringComparison.Ordinal);
        Assert.Contains($"OK slack Hooks:Team: {new Uri(hook.Url).Authority}: reachable (no TLS: http)", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token", result.Output + result.Errors, StringComparison.Ordinal);
        Assert.Empty(smtp.Messages);
        Assert.DoesNotContain(hook.RequestLines, line => line.Length > 0); // connected and closed: not a byte of a request
    }

    [Fact]
    public async Task Connect_ARelayThatIsDown_IsNamed_AndTheExitCodeIsThree()
    {
        using var hook = PlainHttpServer.Start([], "text/plain");

        var result = await CliRunner.RunWithEnvironmentAsync("Hooks__Team", hook.Url,
            "check", "--connect", "--config", Config(SmtpSink.FreePort()), "--data", dir.File("chipalerts.db"), "--outbox", dir.File("outbox"));

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("FAILED smtp: 127.0.0.1:", result.Errors, StringComparison.Ordinal);
        Assert.Contains("SMTP connection to 127.0.0.1:", result.Errors, StringComparison.Ordinal);
    }
}
