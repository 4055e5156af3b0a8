using System.Text;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Feeds;

namespace ChipAlerts.Benchmarks;

/// <summary>
/// What the benchmarks run on: ~1 KB items made of the bundled sample feeds' real news text, and rule
/// sets of any size, in lists of ten terms. Most terms are made-up company and product names (as most
/// watched names are absent from any one item); one in ten is a word or phrase taken from the sample
/// text, so hits, phrase checks and list evaluation happen as they do in real use. Deterministic.
/// </summary>
public static class Workload
{
    public const int TermsPerList = 10;

    private static readonly string[] Syllables =
        ["ka", "lo", "mi", "tr", "on", "ex", "ra", "pi", "du", "se", "con", "tek", "vo", "la", "ri", "zen", "qu", "an", "tum", "sil", "ix", "or", "ne", "va"];

    private static readonly Lazy<List<FeedItem>> SampleItems = new(LoadSamples);

    /// <summary>About 1 KB items: consecutive sample items' text run together.</summary>
    public static List<(string Title, string Summary)> Items(int count)
    {
        var samples = SampleItems.Value;
        var items = new List<(string, string)>();
        for (var i = 0; items.Count < count; i++)
        {
            var first = samples[i % samples.Count];
            var summary = new StringBuilder(first.Summary);
            for (var k = 1; summary.Length < 1000 - first.Title.Length; k++)
            {
                summary.Append(' ').Append(samples[(i + k) % samples.Count].Summary);
            }

            var text = summary.ToString();
            items.Add((first.Title, text[..Math.Min(text.Length, Math.Max(100, 1024 - first.Title.Length))]));
        }

        return items;
    }

    /// <summary>
    /// The terms of <paramref name="count"/> rules, as written in a query. One in a hundred (at most 100:
    /// the names in the news that people watch are a bounded set, however many subscribers watch them)
    /// is a name or a pair of words from the sample text: a capitalised word found in at most two sample
    /// items, so it hits some items and not all. The rest are made-up names that hit nothing.
    /// </summary>
    public static List<string> Terms(int count, int seed = 42, int? realTerms = null)
    {
        var random = new Random(seed);
        var texts = SampleItems.Value.Select(i => i.Title + " " + i.Summary).ToList();
        var words = texts.SelectMany(t => t.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(w => new string([.. w.Where(char.IsLetterOrDigit)]))
            .Where(w => w.Length > 2 && char.IsUpper(w[0]))
            .Distinct(StringComparer.Ordinal)
            .Where(w => texts.Count(t => t.Contains(w, StringComparison.Ordinal)) <= 2)
            .Order(StringComparer.Ordinal)
            .ToArray();
        var real = realTerms ?? Math.Min(count / 100, 100);
        var terms = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            string term;
            if (random.Next(count) < real)
            {
                var at = random.Next(words.Length - 1);
                term = random.Next(2) == 0 ? words[at] : words[at] + " " + words[at + 1];
            }
            else
            {
                term = string.Join(" ", Enumerable.Range(0, random.Next(1, 4)).Select(_ => Name(random)));
            }

            terms.Add(term);
        }

        return terms;
    }

    /// <summary>
    /// The rules as watch-lists of ten terms each, in the query syntax; a few case-sensitive or inflected.
    /// With <paramref name="wildcards"/>, one term in ten whose last word has seven letters or more becomes a
    /// prefix: that word cut by two letters (five at least) and marked * ("Kalomitr*"), so the prefix index has
    /// work at every size.
    /// </summary>
    public static List<WatchListConfig> Lists(IReadOnlyList<string> terms, int seed = 7, bool wildcards = false)
    {
        var random = new Random(seed);
        var lists = new List<WatchListConfig>(terms.Count / TermsPerList + 1);
        for (var at = 0; at < terms.Count; at += TermsPerList)
        {
            var query = string.Join(" OR ", terms.Skip(at).Take(TermsPerList).Select(t => wildcards && random.Next(10) == 0 && t.Length - t.LastIndexOf(' ') > 7
                ? $"\"{t[..Math.Max(t.LastIndexOf(' ') + 6, t.Length - 2)]}*\""
                : random.Next(20) switch
                {
                    0 => $"=\"{t}\"",
                    1 => $"\"{t}\"~",
                    _ => $"\"{t}\"",
                }));
            lists.Add(new WatchListConfig { Name = $"list-{at / TermsPerList}", Query = query });
        }

        return lists;
    }

    private static string Name(Random random)
    {
        var name = string.Concat(Enumerable.Range(0, random.Next(3, 6)).Select(_ => Syllables[random.Next(Syllables.Length)]));
        return char.ToUpperInvariant(name[0]) + name[1..];
    }

    private static List<FeedItem> LoadSamples()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "ChipAlerts.sln")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("Run the benchmarks from inside the repository.");
        }

        var feeds = Path.Combine(dir, "samples", "feeds");
        return
        [
            .. Directory.GetFiles(feeds).Order(StringComparer.Ordinal)
                .SelectMany(f => FeedParser.Parse(Path.GetFileNameWithoutExtension(f), File.ReadAllBytes(f), null, new Uri(f))),
        ];
    }
}
