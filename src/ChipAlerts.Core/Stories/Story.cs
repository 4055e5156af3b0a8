namespace ChipAlerts.Core.Stories;

/// <summary>
/// Items that tell the same story, from one feed or many: the first copy and every later one, each with the
/// decision that put it here. A subscriber is alerted once per story and list: <see cref="Lists"/> are the
/// watch-lists its copies have alerted for.
/// </summary>
public sealed record Story
{
    /// <summary>Copies whose words a new item is compared with (the first ones); later copies are listed without them.</summary>
    public const int ComparedMembers = 8;

    /// <summary>
    /// Copies a story lists; later ones still join it (by their keys) but are only counted, unless they alert for a list of
    /// their own. Bounded so a story, titles and links capped, stays under the 64 KiB a Table Storage property holds.
    /// </summary>
    public const int ListedMembers = 30;

    public required string StoryId { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset LastSeenAt { get; init; }
    public required IReadOnlyList<string> Lists { get; init; }
    public required IReadOnlyList<StoryMember> Members { get; init; }

    /// <summary>Copies beyond <see cref="ListedMembers"/>.</summary>
    public int MoreMembers { get; init; }

    /// <summary>The store's version of this record (a number, an ETag); null for one not yet stored. A save succeeds only over the version read.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? Version { get; init; }

    /// <summary>The feeds this story came from, in the order they carried it.</summary>
    public IReadOnlyList<string> Sources => [.. Members.Select(m => m.FeedName).Distinct(StringComparer.Ordinal)];

    public string Title => Members[0].Title;
}

/// <summary>One copy of a story, and why it is one: "near-duplicate of 'Micron …' (Reuters): 0.34 of their words in common".</summary>
public sealed record StoryMember
{
    public required string ItemKey { get; init; }
    public required string FeedId { get; init; }
    public required string FeedName { get; init; }
    public required string Title { get; init; }
    public string? Link { get; init; }
    public DateTimeOffset? Published { get; init; }
    public required DateTimeOffset JoinedAt { get; init; }

    /// <summary>"first" (it began the story), "same-link", "same-text" (a wire copy) or "similar".</summary>
    public required string Decision { get; init; }

    /// <summary>The earlier copy it was matched with (item key, title, feed); null for the first.</summary>
    public string? MatchedItemKey { get; init; }

    public string? MatchedTitle { get; init; }
    public string? MatchedFeedName { get; init; }

    /// <summary>Jaccard similarity of its words with <see cref="MatchedItemKey"/>'s, the watch-list terms left out (1 for the same link).</summary>
    public double Similarity { get; init; }

    /// <summary>The watch-lists this copy alerted for: those no earlier copy had matched.</summary>
    public required IReadOnlyList<string> NewLists { get; init; }

    /// <summary>Its words (<see cref="StoryText.Encode"/>), kept for the first <see cref="Story.ComparedMembers"/> copies.</summary>
    public string? Words { get; init; }

    /// <summary>The decision in words, for alerts, digests and `chipalerts stories`.</summary>
    public string Explain() => Decision switch
    {
        First => "the first copy",
        SameLink => $"the same link as '{MatchedTitle}' ({MatchedFeedName})",
        SameText => $"the same text as '{MatchedTitle}' ({MatchedFeedName}): a wire copy",
        _ => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"like '{MatchedTitle}' ({MatchedFeedName}): {Similarity:0.00} of their words in common beyond the watch-list terms"),
    };

    public const string First = "first";
    public const string SameLink = "same-link";
    public const string SameText = "same-text";
    public const string Similar = "similar";
}
