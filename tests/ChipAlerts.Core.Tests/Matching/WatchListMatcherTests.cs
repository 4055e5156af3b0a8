using System.Text.Json;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Matching;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Core.Tests.Matching;

public sealed class WatchListMatcherTests
{
    private static readonly WatchListMatcher Samples = new(Configs.SampleWatchLists);

    private static FeedItem Item(string title, string summary = "") =>
        new() { FeedId = "f", Key = "k", Title = title, Summary = summary };

    private static string[] ListsFor(string title, string summary = "") =>
        [.. Samples.Match(Item(title, summary)).Select(m => m.WatchList)];

    [Theory]
    [InlineData("Commerce Secretary Raimondo said the agency will review chip subsidies")]
    [InlineData("Haiti relief shipments resume after port reopens")]
    [InlineData("Said Business School report on supply chains")]
    [InlineData("maintain the ai of the text")]
    [InlineData("Startup claims quantum leap in battery chemistry")]
    [InlineData("Filters rated at 0.3 micron")]
    [InlineData("Airbus and Aichi Steel sign deal")]
    public void Match_Traps_MatchNothing(string title)
    {
        Assert.Empty(ListsFor(title));
    }

    [Theory]
    [InlineData("Samsung unveils HBM3 memory aimed at AI accelerators", "AI")]
    [InlineData("Chipmakers turn to AI-driven design tools", "AI")]
    [InlineData("Why the AI's cost keeps rising", "AI")]
    [InlineData("Micron's outlook improves", "Micron")]
    [InlineData("Shares of Micron (MU.O) rise", "Micron")]
    [InlineData("MICRON TECHNOLOGY beats estimates", "Micron")]
    [InlineData("ラピダス、北海道で新工場", "Rapidus")]
    [InlineData("新ラピダス工場", "Rapidus")]
    [InlineData("美光科技在广岛扩产", "Micron")]
    [InlineData("Ｒａｐｉｄｕｓ in full width", "Rapidus")]
    [InlineData("New EXPORT CONTROLS announced", "Export controls")]
    [InlineData("Export-controls tightened", "Export controls")]
    [InlineData("US adds firms to the Entity List", "Export controls")]
    [InlineData("A 1,121-qubit processor", "Quantum")]
    [InlineData("Post-quantum cryptography standards", "Quantum")]
    public void Match_Forms_MatchTheList(string title, string list)
    {
        Assert.Equal([list], ListsFor(title));
    }

    [Fact]
    public void Match_Exclusion_SuppressesTheList()
    {
        var matcher = new WatchListMatcher([new WatchListConfig { Name = "Chips", Query = "chip -\"potato chip\" -chocolate" }]);

        Assert.Single(matcher.Match(Item("New chip fab")));
        Assert.Empty(matcher.Match(Item("New chip fab", "next to the potato chip factory")));
        Assert.Empty(matcher.Match(Item("Chocolate chip cookies")));
    }

    [Fact]
    public void Match_Phrase_NeedsConsecutiveWords()
    {
        Assert.Empty(ListsFor("quantum of solace computing"));
        Assert.Equal(["Quantum"], ListsFor("advances in quantum computing"));
    }

    [Fact]
    public void Match_Evidence_SaysTermFieldOffsetsAndSnippet()
    {
        var match = Assert.Single(Samples.Match(Item("Plain title", "Japan has established a new chip maker, Rapidus, that is working with IBM.")));

        Assert.Equal("Rapidus", match.WatchList);
        var evidence = Assert.Single(match.Evidence);
        Assert.Equal(new MatchEvidence("Rapidus", "summary", 40, 7, "Japan has established a new chip maker, Rapidus, that is working with IBM.", 0), evidence);
        Assert.Equal("Rapidus in summary", match.Explain());
    }

    [Fact]
    public void Match_TermInsideALongerOne_IsNotListedTwice()
    {
        var match = Assert.Single(Samples.Match(Item("Micron Technology Inc (MU.O) and Micron again")));

        Assert.Equal("Micron Technology in title; MU.O in title; Micron in title", match.Explain());
        Assert.Equal([0, 23, 33], match.Evidence.Select(e => e.Start));
    }

    [Fact]
    public void Match_TitleAndSummary_ExplainsBoth()
    {
        var match = Assert.Single(Samples.Match(Item("Rapidus update", "Rapidus said more.")));

        Assert.Equal("Rapidus in title; Rapidus in summary", match.Explain());
    }

    [Fact]
    public void Match_SeedArticle_MatchesExactlyTheFiveSeedLists()
    {
        var seed = SampleItems().Single(i => i.Title == "Japan and US to commit to closer chip cooperation in joint statement-source");

        var lists = Samples.Match(seed).Select(m => m.WatchList);

        Assert.Equal(["Rapidus", "Micron", "Export controls", "AI", "Quantum"], lists);
    }

    [Fact]
    public void Match_EverySampleItem_MatchesExactlyItsExpectedLists()
    {
        var expected = JsonSerializer.Deserialize<Dictionary<string, string[]>>(File.ReadAllText(TestPaths.Fixture("sample-expectations.json")))!;
        var items = SampleItems();

        Assert.True(items.Count >= 40, $"{items.Count} sample items");
        Assert.Equal(expected.Keys.Order(), items.Select(i => i.Title).Order());
        var wrong = items
            .Select(i => (i.Title, Want: expected[i.Title].Order().ToArray(), Got: Samples.Match(i).Select(m => m.WatchList).Order().ToArray()))
            .Where(r => !r.Want.SequenceEqual(r.Got))
            .Select(r => $"{r.Title}: want [{string.Join(", ", r.Want)}], got [{string.Join(", ", r.Got)}]")
            .ToList();
        Assert.Empty(wrong);
    }

    private static List<FeedItem> SampleItems() =>
    [
        .. Configs.Samples.Feeds.SelectMany(feed =>
            FeedParser.Parse(feed.Id, File.ReadAllBytes(Path.Combine(TestPaths.Samples, feed.Url)), null, new Uri("https://example.com/"))),
    ];
}
