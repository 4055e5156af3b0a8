using System.Globalization;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Matching;

namespace ChipAlerts.Core.Routing;

/// <summary>
/// The flood guard: from one poll of one feed, a subscriber's channel gets at most a cap of immediate alerts.
/// The newest items keep theirs; the rest become one message, "and 488 more items matched Rapidus", naming a
/// few of them. Digest alerts are not capped (a digest is one message whatever it holds), nor are the operator's.
/// Deterministic: the same alerts give the same overflow message with the same AlertId, so a crash and re-poll
/// cannot send it twice.
/// </summary>
public static class AlertCap
{
    /// <summary>How many of the overflowed items the overflow message names.</summary>
    public const int Named = 10;

    public static IReadOnlyList<Alert> Apply(IReadOnlyList<Alert> alerts, int cap, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        var kept = new List<Alert>(alerts.Count);
        foreach (var lane in alerts.GroupBy(a => (a.SubscriberId, a.Channel, Immediate: !a.Digest && a.SubscriberId != Configuration.OperatorConfig.SubscriberId)))
        {
            if (!lane.Key.Immediate || lane.Count() <= cap)
            {
                kept.AddRange(lane);
                continue;
            }

            var newestFirst = lane
                .OrderByDescending(a => a.Item.Published ?? DateTimeOffset.MinValue)
                .ThenBy(a => a.AlertId, StringComparer.Ordinal)
                .ToList();
            kept.AddRange(newestFirst.Take(cap));
            kept.Add(Overflow(newestFirst[cap..], cap, now));
        }

        return kept;
    }

    private static Alert Overflow(IReadOnlyList<Alert> over, int cap, DateTimeOffset now)
    {
        var first = over[0];
        var lists = over.SelectMany(a => a.Matches.Select(m => m.WatchList)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var feeds = over.Select(a => a.FeedName).Distinct(StringComparer.Ordinal).ToList();
        var count = over.Count.ToString("N0", CultureInfo.InvariantCulture);
        var named = string.Join(" · ", over.Take(Named).Select(a => a.Item.Title));
        var key = ItemKeys.Hash("overflow\n" + string.Join('\n', over.Select(a => a.AlertId).Order(StringComparer.Ordinal)));
        var item = new FeedItem
        {
            FeedId = first.Item.FeedId,
            Key = key,
            Title = $"… and {count} more items matched {string.Join(", ", lists)}",
            Summary = $"{string.Join(", ", feeds)} had more matching items in one poll than the {cap} sent one by one, so these {count} come as this one message."
                + $" The newest: {named}{(over.Count > Named ? " …" : "")}",
            Published = over.Max(a => a.Item.Published) ?? now,
        };
        return first with
        {
            AlertId = AlertRouter.AlertIdOf(first.SubscriberId, first.Channel, key),
            Item = item,
            FeedName = string.Join(", ", feeds),
            Story = null, // of many stories, not the first one's
            Matches = [.. lists.Select(list => new WatchListMatch
            {
                WatchList = list,
                Evidence = [],
                Reason = $"{over.Count(a => a.Matches.Any(m => string.Equals(m.WatchList, list, StringComparison.OrdinalIgnoreCase))).ToString("N0", CultureInfo.InvariantCulture)} items beyond the cap of {cap} immediate alerts per poll",
            })],
            CreatedAt = now,
        };
    }
}
