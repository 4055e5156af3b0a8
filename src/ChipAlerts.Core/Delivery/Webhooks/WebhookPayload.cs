using ChipAlerts.Core.Matching;
using ChipAlerts.Core.Routing;

namespace ChipAlerts.Core.Delivery.Webhooks;

/// <summary>The JSON body of a generic webhook, version 1. Receivers dedupe by <see cref="AlertId"/> (also the webhook-id header).</summary>
public sealed record WebhookPayload(
    int Version,
    string Type,
    string AlertId,
    string SubscriberId,
    DateTimeOffset CreatedAt,
    WebhookItem Item,
    IReadOnlyList<WebhookMatch> Matches,
    WebhookRoute? Route,
    WebhookStory? Story)
{
    public const int CurrentVersion = 1;

    public static WebhookPayload From(Alert alert) => new(
        CurrentVersion,
        "alert",
        alert.AlertId,
        alert.SubscriberId,
        alert.CreatedAt,
        new WebhookItem(alert.Item.FeedId, alert.FeedName, alert.Item.Title, alert.Item.Summary, alert.Item.Link, alert.Item.Published),
        [.. alert.Matches.Select(WebhookMatch.From)],
        alert.Route is { } route ? new WebhookRoute(route.Name, route.Reason, route.Timing) : null,
        alert.Story is { } story ? new WebhookStory(story.StoryId, story.Sources, story.Copy) : null);
}

/// <summary>
/// The item's story (null with stories off): its id, the same for every copy, so a receiver can group them; the
/// copies known when the alert was sent (feed, title, link, published); and for a later copy, why it joined.
/// </summary>
public sealed record WebhookStory(string Id, IReadOnlyList<StorySource> Sources, string? JoinedBecause);

/// <summary>The subscriber's route that chose this alert (null without routes): its name, why, and "now", "now, through quiet hours" or "in the digest".</summary>
public sealed record WebhookRoute(string Name, string Reason, string Timing);

/// <summary>The JSON body of a digest: several alerts of one subscriber; webhook-id is <see cref="DigestId"/>.</summary>
public sealed record WebhookDigest(int Version, string Type, string DigestId, string SubscriberId, IReadOnlyList<WebhookPayload> Alerts);

public sealed record WebhookItem(string FeedId, string FeedName, string Title, string Summary, string? Link, DateTimeOffset? Published);

/// <summary>A match as JSON: in webhooks, and in the CLI's classify and preview --json.</summary>
public sealed record WebhookMatch(string WatchList, string Explanation, int Score, IReadOnlyList<WebhookEvidence> Evidence)
{
    public static WebhookMatch From(WatchListMatch match)
    {
        ArgumentNullException.ThrowIfNull(match);
        return new(match.WatchList, match.Explain(), match.Score,
            [.. match.Evidence.Select(e => new WebhookEvidence(e.Term, e.Matched, e.Field, e.Start, e.Length, e.Snippet))]);
    }
}

/// <summary>One hit: the query term, the text it matched, and where (offsets into the item's field).</summary>
public sealed record WebhookEvidence(string Term, string Matched, string Field, int Start, int Length, string Snippet);
