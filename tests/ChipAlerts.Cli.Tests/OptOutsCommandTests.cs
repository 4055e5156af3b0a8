using System.Text.Json;
using ChipAlerts.Cli.Tests.Support;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Delivery;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Cli.Tests;

/// <summary>`chipalerts optouts`: unsubscribe by a forwarded link, list, re-enable; the samples' emails carry the link.</summary>
[Collection(EnvironmentCollection.Name)]
public sealed class OptOutsCommandTests : IDisposable
{
    private const string KeyVariable = "ChipAlerts__UnsubscribeKey";
    private const string Key = "cli-test-key-0123456789abcdef0123456789";

    private readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    private string[] On(string config, params string[] args) =>
        [.. args, "--config", config, "--data", dir.File("data/chipalerts.db"), "--outbox", dir.File("outbox")];

    [Fact]
    public async Task AddByForwardedLink_ListRemove_AndTheNextRunSendsThatReaderNothing()
    {
        var config = CliRunner.WriteSamples(dir, json => json.Replace(
            "\"from\": \"ChipAlerts <alerts@chipalerts.example>\"",
            "\"from\": \"ChipAlerts <alerts@chipalerts.example>\", \"unsubscribeUrl\": \"https://alerts.example.com/api/unsubscribe\"",
            StringComparison.Ordinal));
        var token = Unsubscribes.Token(new Secret(Key), "policy-desk", new ChannelAddress("email", "policy-desk@example.com"));
        var link = $"https://alerts.example.com/api/unsubscribe?token={token}";

        var added = await CliRunner.RunWithEnvironmentAsync(KeyVariable, Key, On(config, "optouts", "add", link));
        var again = await CliRunner.RunWithEnvironmentAsync(KeyVariable, Key, On(config, "optouts", "add", token));
        var forged = await CliRunner.RunWithEnvironmentAsync(KeyVariable, Key, On(config, "optouts", "add", token[..^3] + "abc"));
        var table = await CliRunner.RunWithEnvironmentAsync(KeyVariable, Key, On(config, "optouts"));
        var json = await CliRunner.RunWithEnvironmentAsync(KeyVariable, Key, On(config, "optouts", "list", "--json"));
        await CliRunner.RunWithEnvironmentAsync(KeyVariable, Key, On(config, "once"));

        Assert.Equal((0, "Unsubscribed policy-desk · email:policy-desk@example.com: it gets no more alerts."), (added.ExitCode, added.Output.Trim()));
        Assert.Contains("had already opted out", again.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, forged.ExitCode);
        Assert.Contains("Not a valid unsubscribe link", forged.Errors, StringComparison.Ordinal);
        Assert.Matches(@"│ policy-desk\s+│ email:policy-desk@example\.com\s+│ \d{4}-\d\d-\d\d \d\d:\d\d UTC\s+│ the recipient unsubscribed\s+│", table.Output);
        var row = Assert.Single(JsonDocument.Parse(json.Output).RootElement.EnumerateArray());
        Assert.Equal("email:policy-desk@example.com", row.GetProperty("channel").GetString());
        var mail = Directory.GetFiles(dir.File("outbox/mail"), "*.eml").Select(File.ReadAllText).ToList();
        Assert.NotEmpty(mail);
        Assert.All(mail, m => Assert.Contains("To: memory-analyst@example.com", m, StringComparison.Ordinal));
        Assert.All(mail, m => Assert.Contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click", m, StringComparison.Ordinal));

        var removed = await CliRunner.RunWithEnvironmentAsync(KeyVariable, Key, On(config, "optouts", "remove", "policy-desk", "email:policy-desk@example.com"));
        var none = await CliRunner.RunWithEnvironmentAsync(KeyVariable, Key, On(config, "optouts"));
        Assert.Contains("gets alerts again", removed.Output, StringComparison.Ordinal);
        Assert.Contains("No channel has opted out", none.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnsubscribeUrlWithoutItsKey_StopsStartUpNamingTheSetting()
    {
        var config = CliRunner.WriteSamples(dir, json => json.Replace(
            "\"from\": \"ChipAlerts <alerts@chipalerts.example>\"",
            "\"from\": \"ChipAlerts <alerts@chipalerts.example>\", \"unsubscribeUrl\": \"https://alerts.example.com/api/unsubscribe\"",
            StringComparison.Ordinal));

        var result = await CliRunner.RunAsync(On(config, "check"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("email.unsubscribeKeySetting: the setting 'ChipAlerts:UnsubscribeKey' must hold a random key of at least 32 characters", result.Errors, StringComparison.Ordinal);
    }
}
