using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Matching;
using ChipAlerts.Core.State;

namespace ChipAlerts.Core.Routing;

/// <summary>
/// Tells the operator (the configuration's <c>operator</c> channels) that a feed has failed
/// <see cref="OperatorConfig.FailuresBeforeAlert"/> times in a row, once per run of failures, and that it
/// recovered. The alerts go through the outbox like any other, so they are retried and never lost; their
/// ids derive from the feed and the last success before the run, so a crash cannot send one twice.
/// </summary>
public sealed class OperatorAlerts(LoadedConfig config)
{
    public const string WatchList = "Feed health";

    /// <summary>The alerts for a feed that has just failed, given its state before and after this failure; empty when there is nothing to say.</summary>
    public IReadOnlyList<Alert> AfterFailure(FeedConfig feed, FeedState before, FeedState after, DateTimeOffset now)
    {
        if (config.Config.Operator is not { } ops || after.ConsecutiveFailures < ops.FailuresBeforeAlert || before.FailureReported)
        {
            return [];
        }

        var reason = $"{after.ConsecutiveFailures} failures in a row, the last {after.LastErrorCode}";
        return Alerts(feed, "failing", before, now, reason, new FeedItem
        {
            FeedId = feed.Id,
            Key = "",
            Title = $"Feed '{feed.DisplayName}' is failing: {after.LastErrorCode}",
            Summary = $"{after.LastError} It has failed {after.ConsecutiveFailures} times in a row"
                + (before.LastSuccessAt is { } ok ? $"; the last success was at {ok:u}." : " and has never been read.")
                + $" Next try: {after.NextPollAt:u}. Run 'chipalerts feeds' to see every feed's health.",
            Link = FeedLink(feed),
            Published = now,
        });
    }

    /// <summary>The alerts for a feed that has just succeeded after a run of failures the operator was told about.</summary>
    public IReadOnlyList<Alert> AfterSuccess(FeedConfig feed, FeedState before, DateTimeOffset now) =>
        config.Config.Operator is null || !before.FailureReported
            ? []
            : Alerts(feed, "recovered", before, now, $"read again after {before.ConsecutiveFailures} failures", new FeedItem
            {
                FeedId = feed.Id,
                Key = "",
                Title = $"Feed '{feed.DisplayName}' has recovered",
                Summary = $"It was read again at {now:u} after {before.ConsecutiveFailures} failures in a row (the last {before.LastErrorCode}).",
                Link = FeedLink(feed),
                Published = now,
            });

    private List<Alert> Alerts(FeedConfig feed, string what, FeedState before, DateTimeOffset now, string reason, FeedItem item)
    {
        // One run of failures is identified by the last success before it.
        var run = before.LastSuccessAt?.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "never";
        item = item with { Key = ItemKeys.Hash($"health|{feed.Id}|{what}|{run}") };
        var match = new WatchListMatch { WatchList = WatchList, Evidence = [], Reason = reason };
        return [.. config.Config.Operator!.Channels.Select(AlertRouter.AddressOf).Select(address => new Alert
        {
            AlertId = AlertRouter.AlertIdOf(OperatorConfig.SubscriberId, address, item.Key),
            SubscriberId = OperatorConfig.SubscriberId,
            Channel = address,
            FeedName = feed.DisplayName,
            Item = item,
            Matches = [match],
            CreatedAt = now,
        })];
    }

    private static string? FeedLink(FeedConfig feed) =>
        Uri.TryCreate(feed.Url, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" ? url.GetLeftPart(UriPartial.Path) : null;
}
