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

            if (Choose(subscriber, relevant) is not { } choice)
            {
                continue; // no route takes it
            }

            // Quiet hours hold immediate alerts (unless the route goes through them); a digest keeps its own schedule.
            var notBefore = choice.Digest || choice.ThroughQuietHours ? null : clocks[subscriber.Id].QuietUntil(now);
            foreach (var channel in choice.Channels)
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
                    Digest = choice.Digest,
                    NotBefore = notBefore,
                    Route = choice.Route,
                });
            }
        }

        return alerts;
    }

    private sealed record Choice(IReadOnlyList<ChannelConfig> Channels, bool Digest, bool ThroughQuietHours, AlertRoute? Route);

    /// <summary>
    /// The first of the subscriber's routes whose conditions one of the matches meets; without routes, every
    /// channel, at once or in the digest as the subscriber says. Null: no route takes these matches.
    /// </summary>
    private static Choice? Choose(SubscriberConfig subscriber, IReadOnlyList<WatchListMatch> matches)
    {
        if (subscriber.Routes is not { } routes)
        {
            return new(subscriber.Channels, subscriber.IsDigest, false, null);
        }

        foreach (var route in routes)
        {
            var met = matches.FirstOrDefault(m =>
                (route.WatchLists is null || route.WatchLists.Contains(m.WatchList, StringComparer.OrdinalIgnoreCase))
                && m.Score >= (route.MinScore ?? 0));
            if (met is null)
            {
                continue;
            }

            var channels = route.Channels is { } names
                ? [.. subscriber.Channels.Where(c => names.Contains(c.Name ?? "", StringComparer.Ordinal) || names.Contains(c.Type, StringComparer.Ordinal))]
                : subscriber.Channels;
            var digest = route.Deliver == RouteConfig.DigestTiming;
            var reason = route.MinScore is { } min
                ? $"{met.WatchList} scored {met.Score}, at least {min}"
                : route.WatchLists is not null ? $"matched {met.WatchList}" : "every match";
            var timing = digest ? "in the digest" : route.ThroughQuietHours ? "now, through quiet hours" : "now";
            return new(channels, digest, route.ThroughQuietHours, new AlertRoute(route.Name, reason, timing));
        }

        return null;
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
