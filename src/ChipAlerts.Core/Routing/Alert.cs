using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Matching;

namespace ChipAlerts.Core.Routing;

/// <summary>
/// One (subscriber, channel, item). <see cref="AlertId"/> is a hash of those three, so the same
/// alert derived twice (after a crash, or by two hosts) has the same id and is stored once.
/// It is also the idempotency key receivers see (webhook-id, Message-ID).
/// </summary>
public sealed record Alert
{
    public required string AlertId { get; init; }
    public required string SubscriberId { get; init; }
    public required ChannelAddress Channel { get; init; }
    public required string FeedName { get; init; }
    public required FeedItem Item { get; init; }
    public required IReadOnlyList<WatchListMatch> Matches { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Held for the subscriber's digest rather than sent at once.</summary>
    public bool Digest { get; init; }

    /// <summary>Not sent before this (the end of the subscriber's quiet hours); null: at once.</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>The subscriber's route that chose this alert's channel and timing, and why; null without routes.</summary>
    public AlertRoute? Route { get; init; }

    /// <summary>The story this alert's item belongs to, and its sources when the alert was made (a digest shows them as they are when it goes).</summary>
    public AlertStory? Story { get; init; }

    /// <summary>The trace context (W3C traceparent) of the poll that made this alert: its delivery's span links to it.</summary>
    public string? TraceParent { get; init; }

    public string WatchLists => string.Join(", ", Matches.Select(m => m.WatchList));

    /// <summary>What every channel shows beside the matches: the route that chose this alert, and why.</summary>
    public IEnumerable<string> Notes()
    {
        if (Story is { } story)
        {
            if (story.Copy is { } copy)
            {
                yield return $"Part of a story already seen: {copy}";
            }

            if (story.Sources.Count > 1)
            {
                yield return $"Reported by {story.Sources.Count} sources: {string.Join(", ", story.Sources.Select(s => s.FeedName).Distinct(StringComparer.Ordinal))}";
            }
        }

        if (Route is { } route)
        {
            yield return $"Sent {route.Timing} by {route.Explain()}";
        }
    }

    /// <summary>The id of a digest of these alerts: the same alerts always give the same id (Message-ID, webhook-id).</summary>
    public static string DigestIdOf(IEnumerable<Alert> alerts) =>
        ItemKeys.Hash("digest\n" + string.Join('\n', alerts.Select(a => a.AlertId).Order(StringComparer.Ordinal)));
}

/// <summary>
/// An alert's story: its id, the copies known (feed, title, link), and for a later copy that alerts for a list the
/// story had not matched, why it joined the story (<see cref="Copy"/>).
/// </summary>
public sealed record AlertStory(string StoryId, IReadOnlyList<StorySource> Sources, string? Copy = null);

/// <summary>One copy of a story: which feed carried it, under what title, at what link.</summary>
public sealed record StorySource(string FeedName, string Title, string? Link, DateTimeOffset? Published);

/// <summary>A route's choice: its name, and why it took the item ("Export controls scored 7, at least 6").</summary>
public sealed record AlertRoute(string Name, string Reason, string Timing)
{
    /// <summary>"route 'urgent' (Export controls scored 7, at least 6)".</summary>
    public string Explain() => $"route '{Name}' ({Reason})";
}

/// <summary>
/// Where an alert goes. <see cref="Target"/> is the email address, or for webhooks the name of the
/// configuration key that holds the URL — never the URL itself, which is a secret.
/// </summary>
public sealed record ChannelAddress(string Type, string Target)
{
    public override string ToString() => $"{Type}:{Target}";
}
