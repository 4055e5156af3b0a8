using System.Diagnostics;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.State;
using ChipAlerts.Core.Stories;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ChipAlerts.Benchmarks;

/// <summary>
/// What placing an item in a story costs as the stories grow: a SQLite file holding 1,000, 10,000 and 100,000
/// stories, all within the window (the worst case: none has aged out), and 100,000 over 100 days (a desk's
/// history: about 2,000 within the window); then 1,000 new items placed one at a time (one in ten a copy of a
/// stored story within the window, a third of its words changed). Texts are drawn from a Zipf vocabulary of
/// 20,000 words, 35 words an item, so common words make common keys, as on a topic-heavy desk.
/// </summary>
internal static class StoryIndexCost
{
    public static async Task RunAsync()
    {
        Console.WriteLine("| stories stored | over | place: median | p99 | max | joined / 100 copies |");
        Console.WriteLine("| ---: | --- | ---: | ---: | ---: | ---: |");
        foreach (var (stored, span) in new[] { (1_000, TimeSpan.FromHours(40)), (10_000, TimeSpan.FromHours(40)), (100_000, TimeSpan.FromHours(40)), (100_000, TimeSpan.FromDays(100)) })
        {
            var dir = Directory.CreateTempSubdirectory("chipalerts-stories-");
            try
            {
                using var store = new SqliteStore(Path.Combine(dir.FullName, "stories.db"));
                using var index = new StoryIndex(store, Options.Create(new StoryOptions()), NullLogger<StoryIndex>.Instance);
                var random = new Random(stored);
                var words = Zipf(random);
                var now = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
                var recent = new List<string>();
                for (var i = 0; i < stored; i++)
                {
                    var text = Text(random, words);
                    var at = now - span + (span * i / stored);
                    if (now - at < TimeSpan.FromHours(40))
                    {
                        recent.Add(text);
                    }

                    await Store(store, Item($"s-{i}", text), at);
                }

                var times = new List<double>();
                var joined = 0;
                for (var i = 0; i < 1_000; i++)
                {
                    var copy = i % 10 == 0;
                    var text = copy ? Reword(random, recent[random.Next(recent.Count)], words) : Text(random, words);
                    var watch = Stopwatch.StartNew();
                    var placed = await index.PlaceAsync(Item($"n-{i}", text), "Other wire", [], now.AddSeconds(i), default);
                    times.Add(watch.Elapsed.TotalMilliseconds);
                    joined += copy && placed.Member.Decision != StoryMember.First ? 1 : 0;
                }

                times.Sort();
                Console.WriteLine(FormattableString.Invariant(
                    $"| {stored:N0} | {(span.TotalDays >= 2 ? $"{span.TotalDays:N0} days" : $"{span.TotalHours:N0} hours")} | {times[times.Count / 2]:N2} ms | {times[(int)(times.Count * 0.99)]:N2} ms | {times[^1]:N2} ms | {joined} |"));
            }
            finally
            {
                dir.Delete(recursive: true);
            }
        }
    }

    /// <summary>A story of one copy, stored as the index stores a new one (its keys, its words).</summary>
    private static async Task Store(SqliteStore store, FeedItem item, DateTimeOffset at)
    {
        var text = StoryText.Of(item);
        var story = new Story
        {
            StoryId = item.Key,
            CreatedAt = at,
            LastSeenAt = at,
            Lists = [],
            Members = [new StoryMember { ItemKey = item.Key, FeedId = item.FeedId, FeedName = "Wire", Title = item.Title, JoinedAt = at, Decision = StoryMember.First, NewLists = [], Words = StoryText.Encode(text.Words) }],
        };
        await store.SaveStoryAsync(story, StoryIndex.KeysOf(item.Key, text), at, default);
    }

    private static FeedItem Item(string key, string text) => new()
    {
        FeedId = "wire",
        Key = key,
        Title = text[..text.IndexOf(' ', 60)],
        Summary = text,
    };

    private static string[] Zipf(Random random)
    {
        // Word i drawn with weight 1/(i+1): a few words in every item, most words rare.
        var vocabulary = Enumerable.Range(0, 20_000).Select(i => $"w{i:x}q").ToArray();
        var cumulative = new double[vocabulary.Length];
        var sum = 0.0;
        for (var i = 0; i < vocabulary.Length; i++)
        {
            sum += 1.0 / (i + 1);
            cumulative[i] = sum;
        }

        return [.. Enumerable.Range(0, 200_000).Select(_ => vocabulary[Math.Min(vocabulary.Length - 1, ~Array.BinarySearch(cumulative, random.NextDouble() * sum) & int.MaxValue)])];
    }

    private static string Text(Random random, string[] words) => string.Join(' ', Enumerable.Range(0, 35).Select(_ => words[random.Next(words.Length)]));

    /// <summary>Another outlet's wording: a third of the words replaced.</summary>
    private static string Reword(Random random, string text, string[] words) =>
        string.Join(' ', text.Split(' ').Select(w => random.Next(3) == 0 ? words[random.Next(words.Length)] : w));
}
