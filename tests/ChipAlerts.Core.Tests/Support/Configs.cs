using System.Text.Json;
using ChipAlerts.Core.Configuration;

namespace ChipAlerts.Core.Tests.Support;

/// <summary>Configurations for tests: the sample watch-lists with test feeds and subscribers.</summary>
public static class Configs
{
    public static ChipAlertsConfig Samples { get; } = JsonSerializer.Deserialize<ChipAlertsConfig>(
        File.ReadAllText(Path.Combine(TestPaths.Samples, "chipalerts.json")), ConfigLoader.JsonOptions)!;

    public static List<WatchListConfig> SampleWatchLists => Samples.WatchLists;

    public static ChipAlertsConfig With(IEnumerable<FeedConfig> feeds, int? smtpPort = null, params SubscriberConfig[] subscribers) => new()
    {
        Feeds = [.. feeds],
        WatchLists = SampleWatchLists,
        Subscribers = subscribers.Length > 0 ? [.. subscribers] : [Desk],
        Email = new EmailConfig
        {
            From = "ChipAlerts <alerts@chipalerts.test>",
            Smtp = smtpPort is { } port ? new SmtpConfig { Host = "127.0.0.1", Port = port, Security = "None" } : null,
        },
    };

    public static SubscriberConfig Desk { get; } = new()
    {
        Id = "desk",
        WatchLists = ["Rapidus", "Micron", "Export controls", "AI", "Quantum"],
        Channels = [new ChannelConfig { Type = "email", To = "desk@example.com" }],
    };

    public static FeedConfig Feed(string id, Uri url) => new() { Id = id, Name = id, Url = url.ToString() };
}
