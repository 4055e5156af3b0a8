using System.ComponentModel.DataAnnotations;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Matching;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChipAlerts.Core.Stories;

/// <summary>Section "ChipAlerts:Stories".</summary>
public sealed class StoryOptions
{
    public const string Section = "ChipAlerts:Stories";

    /// <summary>False: every item is a story of its own (one alert per item, as before stories).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>A copy joins a story when it resembles a copy seen this long before it.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(48);

    /// <summary>
    /// The share of words (Jaccard: shared ÷ all distinct words of title and summary, function words left out) at
    /// which two items are one story. 0.13 gave pairwise precision 1.00 and recall 0.90 on the labelled set in
    /// tests/ChipAlerts.Core.Tests/Fixtures/story-pairs.jsonl (docs/stories.md). The words the watch-lists matched
    /// are left out first: every candidate shares them, so they say nothing about whether two items tell one story.
    /// </summary>
    [Range(0.01, 1.0)]
    public double Similarity { get; set; } = 0.13;
}

/// <summary>Where a matched item went: its story, its place in it, and the matches it still alerts for.</summary>
public sealed record StoryPlacement(Story Story, StoryMember Member, IReadOnlyList<WatchListMatch> Alerting);

/// <summary>
/// Puts each matched item into a story: the story of an earlier copy with the same canonical link, the same text
/// (a wire copy) or similar words (MinHash keys find the candidates, Jaccard decides), within the window; else a
/// new one. The copy alerts only for the watch-lists the story had not matched. Lookups read the candidates' keys
/// only, so they cost the same at 100 or 100,000 stories. Placements in this process go one at a time, so two
/// feeds polled at once carrying one story make one story; the store's versions guard against other processes.
/// </summary>
public sealed partial class StoryIndex(IStoryStore store, IOptions<StoryOptions> options, ILogger<StoryIndex> logger) : IDisposable
{
    /// <summary>Stories a lookup reads at most: those sharing the most keys with the item.</summary>
    public const int MaxCandidates = 16;

    /// <summary>
    /// Words two items must share besides reaching the similarity, so that two short headlines on one topic
    /// ("Rapidus update 3", "Rapidus update 4") are not one story for sharing two words of three.
    /// </summary>
    public const int MinSharedWords = 3;

    /// <summary>Share of words at or above which a copy is the same text (a wire copy, a republished item).</summary>
    public const double SameTextSimilarity = 0.9;

    /// <summary>Longest title and link a story keeps of a copy (the record stays small enough for any store).</summary>
    private const int MaxTitle = 300;
    private const int MaxLink = 600;

    private readonly StoryOptions options = options.Value;
    private readonly SemaphoreSlim gate = new(1, 1);

    public bool Enabled => options.Enabled;

    public async Task<StoryPlacement> PlaceAsync(FeedItem item, string feedName, IReadOnlyList<WatchListMatch> matches, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(matches);
        var text = StoryText.Of(item);
        var keys = KeysOf(item.Key, text);
        await gate.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var candidates = await store.FindStoriesAsync(keys, now - options.Window, MaxCandidates, cancellationToken);
                if (candidates.SelectMany(s => s.Members.Where(m => m.ItemKey == item.Key).Select(m => (Story: s, Member: m))).FirstOrDefault() is { Story: not null } placed)
                {
                    // Placed before (a re-poll after a crash): the same decision, so the same alerts.
                    return new(placed.Story, placed.Member, Only(matches, placed.Member.NewLists));
                }

                var (story, member) = Decide(candidates, item, feedName, text, MatchedWords(matches), matches, now);
                if (await store.SaveStoryAsync(story, keys, now, cancellationToken) is { } version)
                {
                    if (member.Decision != StoryMember.First)
                    {
                        LogJoined(item.Key, story.StoryId, member.Explain());
                    }

                    return new(story with { Version = version }, member, Only(matches, member.NewLists));
                }

                if (attempt == 5)
                {
                    throw new InvalidOperationException($"Story {story.StoryId} changed under five attempts to add item {item.Key} to it.");
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose() => gate.Dispose();

    /// <summary>The keys a copy is found by: its item key, its canonical link, its MinHash values.</summary>
    public static IReadOnlyList<string> KeysOf(string itemKey, StoryText text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var keys = new List<string>(text.Keys.Count + 2) { "i:" + itemKey };
        if (text.Link is { } link)
        {
            keys.Add("l:" + ItemKeys.Hash(link));
        }

        keys.AddRange(text.Keys.Select(k => "m:" + StoryText.KeyText(k)));
        return keys;
    }

    /// <summary>The best earlier copy among the candidates, if one is close enough; the story that results.</summary>
    private (Story Story, StoryMember Member) Decide(IReadOnlyList<Story> candidates, FeedItem item, string feedName, StoryText text, IReadOnlySet<ulong> matched, IReadOnlyList<WatchListMatch> matches, DateTimeOffset now)
    {
        var best = (Story: (Story?)null, Member: (StoryMember?)null, Similarity: 0.0, Decision: "");
        var mine = Without(text.Words, matched);
        foreach (var story in candidates)
        {
            foreach (var member in story.Members)
            {
                var (similarity, decision) = Compare(text, mine, member, matched);
                if (decision is not null && (similarity > best.Similarity || best.Story is null))
                {
                    best = (story, member, similarity, decision);
                }
            }
        }

        var lists = matches.Select(m => m.WatchList).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (best.Story is not { } joined)
        {
            var first = Member(item, feedName, text, now, StoryMember.First, null, 0, lists, keepWords: true);
            return (new Story
            {
                StoryId = ItemKeys.Hash("story\n" + item.Key),
                CreatedAt = now,
                LastSeenAt = now,
                Lists = lists,
                Members = [first],
            }, first);
        }

        var fresh = lists.Where(l => !joined.Lists.Contains(l, StringComparer.OrdinalIgnoreCase)).ToList();
        var copy = Member(item, feedName, text, now, best.Decision, best.Member, best.Similarity, fresh, keepWords: joined.Members.Count < Story.ComparedMembers);
        // A copy that alerts is always listed, past the bound too: a re-poll after a crash must find it to make its alerts again.
        var listed = joined.Members.Count < Story.ListedMembers || fresh.Count > 0;
        return (joined with
        {
            LastSeenAt = now,
            Lists = [.. joined.Lists, .. fresh],
            Members = listed ? [.. joined.Members, copy] : joined.Members,
            MoreMembers = joined.MoreMembers + (listed ? 0 : 1),
        }, copy);
    }

    /// <summary>The words of what the watch-lists found in the item ("export controls", "Rapidus").</summary>
    public static IReadOnlySet<ulong> MatchedWords(IReadOnlyList<WatchListMatch> matches) =>
        StoryText.Of(string.Join(' ', matches.SelectMany(m => m.Evidence.Select(e => e.Matched))), "", null).Words;

    /// <summary>
    /// How close a new item is to an earlier copy, the <paramref name="matched"/> words left out of both: the same
    /// link, the same text, similar, or not (null).
    /// </summary>
    public (double Similarity, string? Decision) Compare(StoryText text, StoryMember member, IReadOnlySet<ulong> matched)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(matched);
        return Compare(text, Without(text.Words, matched), member, matched);
    }

    private (double Similarity, string? Decision) Compare(StoryText text, HashSet<ulong> mine, StoryMember member, IReadOnlySet<ulong> matched)
    {
        ArgumentNullException.ThrowIfNull(member);
        if (text.Link is not null && member.Link is not null && text.Link == StoryText.StoryLink(member.Link))
        {
            return (1, StoryMember.SameLink);
        }

        if (member.Words is not { } words)
        {
            return (0, null);
        }

        var earlier = StoryText.Decode(words);
        var whole = StoryText.Jaccard(text.Words, earlier);
        if (whole >= SameTextSimilarity)
        {
            return (whole, StoryMember.SameText);
        }

        earlier.ExceptWith(matched);
        var similarity = StoryText.Jaccard(mine, earlier);
        return similarity >= options.Similarity && mine.Count(earlier.Contains) >= MinSharedWords ? (similarity, StoryMember.Similar) : (similarity, null);
    }

    private static HashSet<ulong> Without(IReadOnlySet<ulong> words, IReadOnlySet<ulong> matched) => [.. words.Where(w => !matched.Contains(w))];

    private static StoryMember Member(FeedItem item, string feedName, StoryText text, DateTimeOffset now, string decision, StoryMember? matched, double similarity, IReadOnlyList<string> newLists, bool keepWords) => new()
    {
        ItemKey = item.Key,
        FeedId = item.FeedId,
        FeedName = feedName,
        Title = item.Title.Length > MaxTitle ? item.Title[..MaxTitle] : item.Title,
        Link = item.Link is { Length: > MaxLink } ? null : item.Link,
        Published = item.Published,
        JoinedAt = now,
        Decision = decision,
        MatchedItemKey = matched?.ItemKey,
        MatchedTitle = matched?.Title,
        MatchedFeedName = matched?.FeedName,
        Similarity = Math.Round(similarity, 3),
        NewLists = newLists,
        Words = keepWords ? StoryText.Encode(text.Words) : null,
    };

    private static List<WatchListMatch> Only(IReadOnlyList<WatchListMatch> matches, IReadOnlyList<string> lists) =>
        [.. matches.Where(m => lists.Contains(m.WatchList, StringComparer.OrdinalIgnoreCase))];

    [LoggerMessage(Level = LogLevel.Information, Message = "Item {ItemKey} joined story {StoryId}: {Why}.")]
    private partial void LogJoined(string itemKey, string storyId, string why);
}
