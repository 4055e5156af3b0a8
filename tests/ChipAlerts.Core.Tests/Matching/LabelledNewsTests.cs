using System.Text.Json;
using ChipAlerts.Core.Matching;
using ChipAlerts.Core.Tests.Support;
using Xunit.Abstractions;

namespace ChipAlerts.Core.Tests.Matching;

/// <summary>
/// The sample watch-lists measured on real news (Fixtures/labelled-news.jsonl, see its .md): precision,
/// recall and F1 per list. A quality bar, not a timing: the lists are what users copy.
/// </summary>
public sealed class LabelledNewsTests(ITestOutputHelper output)
{
    private sealed record Item(string Set, string Source, string Title, string Summary, string[] Lists);

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static readonly List<Item> Items = [.. File.ReadLines(TestPaths.Fixture("labelled-news.jsonl"))
        .Select(line => JsonSerializer.Deserialize<Item>(line, Web)!)];

    private static readonly string[] ListNames = [.. Configs.SampleWatchLists.Select(l => l.Name)];

    [Fact]
    public void LabelledSet_HasOver300RealItems_WithSourcesTrapsAndCjk()
    {
        Assert.True(Items.Count >= 300, $"{Items.Count} items");
        Assert.All(Items, item =>
        {
            Assert.StartsWith("http", item.Source, StringComparison.Ordinal);
            Assert.NotEmpty(item.Title);
            Assert.All(item.Lists, list => Assert.Contains(list, ListNames));
            Assert.Contains(item.Set, new[] { "dev", "holdout" });
        });
        Assert.True(Items.Count(i => i.Lists.Length == 0) >= 80, "items that concern no list: the traps");
        Assert.True(Items.Count(i => i.Title.Any(Tokenizer.IsCjk)) >= 40, "Japanese, Chinese and Korean items");
        Assert.All(ListNames, list => Assert.True(Items.Count(i => i.Lists.Contains(list)) >= 25, $"{list}: too few positives"));
    }

    [Fact]
    public void SampleLists_OnTheLabelledSet_ReachF1OfAtLeast0_9Each()
    {
        var matcher = new WatchListMatcher(Configs.SampleWatchLists);
        var results = Items.Select(item => (item, found: matcher.Match(item.Title, item.Summary).Select(m => m.WatchList).ToHashSet())).ToList();
        output.WriteLine("| list | precision | recall | F1 | tp | fp | fn |");
        var scores = new List<(string List, double F1)>();
        foreach (var list in ListNames)
        {
            var tp = results.Count(r => r.item.Lists.Contains(list) && r.found.Contains(list));
            var fp = results.Count(r => !r.item.Lists.Contains(list) && r.found.Contains(list));
            var fn = results.Count(r => r.item.Lists.Contains(list) && !r.found.Contains(list));
            var precision = tp / (double)(tp + fp);
            var recall = tp / (double)(tp + fn);
            var f1 = 2 * precision * recall / (precision + recall);
            output.WriteLine($"| {list} | {precision:F2} | {recall:F2} | {f1:F2} | {tp} | {fp} | {fn} |");
            foreach (var (item, _) in results.Where(r => r.item.Lists.Contains(list) != r.found.Contains(list)))
            {
                output.WriteLine($"    {(item.Lists.Contains(list) ? "missed" : "false alarm")}: {item.Title}");
            }

            scores.Add((list, f1));
        }

        Assert.All(scores, s => Assert.True(s.F1 >= 0.9, $"{s.List}: F1 {s.F1:F2}"));
    }
}
