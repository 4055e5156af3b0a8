using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Matching;
using ChipAlerts.Core.Routing;

namespace ChipAlerts.Core.Tests.Support;

public static class Alerts
{
    public static FeedItem Item(string key = "item-1", string title = "Rapidus starts pilot line", string summary = "Rapidus said the line runs.") => new()
    {
        FeedId = "wire",
        Key = key,
        Title = title,
        Summary = summary,
        Link = "https://wire.example.com/" + key,
        Published = new DateTimeOffset(2023, 5, 26, 0, 0, 0, TimeSpan.Zero),
    };

    public static Alert For(FeedItem item, ChannelAddress channel, DateTimeOffset createdAt, string subscriber = "desk") => new()
    {
        AlertId = AlertRouter.AlertIdOf(subscriber, channel, item.Key),
        SubscriberId = subscriber,
        Channel = channel,
        FeedName = "Wire",
        Item = item,
        Matches = [new WatchListMatch { WatchList = "Rapidus", Evidence = [new MatchEvidence("Rapidus", "title", 0, 7, item.Title, 0)] }],
        CreatedAt = createdAt,
    };

    public static Alert Email(string key = "item-1", string to = "desk@example.com", DateTimeOffset? createdAt = null) =>
        For(Item(key), new ChannelAddress("email", to), createdAt ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
}
