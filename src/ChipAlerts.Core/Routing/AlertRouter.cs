using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Matching;

namespace ChipAlerts.Core.Routing;

/// <summary>Matches × subscriptions → alerts: one per (subscriber, channel, item), carrying the lists that subscriber follows.</summary>
public sealed class AlertRouter(IReadOnlyList<SubscriberConfig> subscribers)
{
    private readonly Dictionary<string, SubscriberClock> clocks = subscribers.ToDictionary(s => s.Id, s => new SubscriberClock(s), StringComparer.Ordinal);

    public IReadOnlyList<Alert> Route(FeedItem item, string feedName, IReadOnlyList<WatchListMatch> matches, DateTimeOffset now)
    {
        if (matches.Count == 0)
        {
            return [];
        }

        var alerts = new List<Alert>();
        foreach (var subscriber in subscribers)
        {
            var relevant = matches
                .Where(m => subscriber.WatchLists.Contains(m.WatchList, StringComparer.OrdinalIgnoreCase))
                .ToList();
            if (relevant.Count == 0)
            {
                continue;
            }

            // Quiet hours hold immediate alerts; a digest keeps its own schedule.
            var notBefore = subscriber.IsDigest ? null : clocks[subscriber.Id].QuietUntil(now);
            foreach (var channel in subscriber.Channels)
            {
                var address = AddressOf(channel);
                alerts.Add(new Alert
                {
                    AlertId = AlertIdOf(subscriber.Id, address, item.Key),
                    SubscriberId = subscriber.Id,
                    Channel = address,
                    FeedName = feedName,
                    Item = item,
                    Matches = relevant,
                    CreatedAt = now,
                    Digest = subscriber.IsDigest,
                    NotBefore = notBefore,
                });
            }
        }

        return alerts;
    }

    /// <summary>The clock of a configured subscriber; null for one no longer configured.</summary>
    public SubscriberClock? ClockOf(string subscriberId) => clocks.GetValueOrDefault(subscriberId);

    public static ChannelAddress AddressOf(ChannelConfig channel) => channel.Type switch
    {
        ChannelConfig.EmailType => new(channel.Type, channel.To!.Trim().ToLowerInvariant()),
        _ => new(channel.Type, channel.UrlSetting!),
    };

    /// <summary>Deterministic: the same subscriber, channel and item always give the same id.</summary>
    public static string AlertIdOf(string subscriberId, ChannelAddress channel, string itemKey) =>
        ItemKeys.Hash($"{subscriberId}\n{channel}\n{itemKey}");
}
