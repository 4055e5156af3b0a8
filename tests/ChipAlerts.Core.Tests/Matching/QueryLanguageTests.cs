using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Matching;

namespace ChipAlerts.Core.Tests.Matching;

/// <summary>Query language 2: wildcards, fields, NOT, EXCEPT, word forms inside phrases, NEAR across fields, and the warnings.</summary>
public sealed class QueryLanguageTests
{
    private static WatchListMatcher One(string query, bool nearAcrossFields = false) =>
        new([new WatchListConfig { Name = "L", Query = query, NearAcrossFields = nearAcrossFields }]);

    private static string? Explain(WatchListMatcher matcher, string title, string summary = "", string source = "") =>
        matcher.Match(title, summary, source).SingleOrDefault()?.Explain();

    [Fact]
    public void Wildcard_FindsEveryWordThatStartsSo_AndTheAlertSaysWhichWord()
    {
        var matcher = One("chip subsid*");

        Assert.Equal("subsidies in title; chip in summary", Explain(matcher, "Japan doubles subsidies", "for chip plants"));
        Assert.Equal("chip in title; Subsidised in title", Explain(matcher, "chip fab Subsidised"));
        Assert.Equal("chip in title; subsid in title", Explain(matcher, "chip subsid"));
        Assert.Null(Explain(matcher, "chip subsistence"));
        Assert.Equal("semiconductors in title", Explain(One("\"Japan semicon*\" OR semicon*"), "semiconductors rally"));
    }

    [Fact]
    public void Wildcard_InsideAPhraseAndWithExactCase()
    {
        Assert.Equal("export licences in title", Explain(One("\"export licen*\""), "New export licences for ASML"));
        Assert.Null(Explain(One("=Micro*"), "micron falls"));
        Assert.Equal("Microns in title", Explain(One("=Micro*"), "Microns rise"));
    }

    [Fact]
    public void Wildcard_OnCjk_IsThePhraseItself_WhichIsFoundInsideLongerWords()
    {
        Assert.Equal("半導体 in title", Explain(One("半導体*"), "半導体製造装置の輸出"));
    }

    [Fact]
    public void Wildcard_KeepsTheMatcherIndexed_ManyPrefixesCostOneLookupPerPrefixLength()
    {
        var lists = Enumerable.Range(0, 2_000).Select(i => new WatchListConfig { Name = $"L{i:D4}", Query = $"w{i:D4}*" }).ToList();
        var matcher = new WatchListMatcher(lists);

        Assert.Equal(["L0042", "L1999"], matcher.Match("w0042x and w1999yz", "").Select(m => m.WatchList));
    }

    [Fact]
    public void WordFormsInsideAPhrase_MarkThatWordOnly()
    {
        var matcher = One("\"export~ ban\"");

        Assert.Equal("exports ban in title", Explain(matcher, "China exports ban on gallium"));
        Assert.Equal("exported ban in title", Explain(matcher, "exported ban"));
        Assert.Null(Explain(matcher, "export bans"));
        Assert.Equal("export bans in title", Explain(One("\"export ban~\""), "export bans"));
    }

    [Fact]
    public void Fields_LimitATermToTitleSummaryOrSource()
    {
        var title = One("title:Rapidus");
        var summary = One("summary:(HBM OR DRAM)");
        var source = One("source:reuters Micron");
        var item = new FeedItem { FeedId = "wire", Key = "k", Title = "Micron up", Summary = "", Link = "https://www.reuters.com/markets/x" };

        Assert.Equal("Rapidus in title", Explain(title, "Rapidus 2nm", "Rapidus too"));
        Assert.Null(Explain(title, "2nm", "Rapidus"));
        Assert.Equal("DRAM in summary", Explain(summary, "HBM news", "DRAM prices"));
        Assert.Null(Explain(summary, "HBM news", ""));
        Assert.Equal("Micron in title; reuters in source", source.Match(item).Single().Explain());
        Assert.Empty(source.Match(item with { Link = "https://example.com/reuters-story" }));
        Assert.Empty(One("Micron -source:wire").Match(item));
        Assert.Equal("wire www.reuters.com", WatchListMatcher.SourceOf(item));
    }

    [Fact]
    public void NotKeyword_IsTheWholeItemExclusion_LikeMinus()
    {
        Assert.Null(Explain(One("Micron NOT Micronesia"), "Micron and Micronesia"));
        Assert.Equal("Micron in title", Explain(One("Micron AND NOT Micronesia"), "Micron memory"));
        Assert.Null(Explain(One("=AI -\"Quantum AI\""), "Google Quantum AI and generative AI"));
    }

    [Fact]
    public void Except_RemovesOnlyTheHitsInsideTheExceptedPhrase()
    {
        var matcher = One("=AI EXCEPT (\"Quantum AI\" OR \"AI 171\")");

        Assert.Null(Explain(matcher, "Google Quantum AI unveils chip"));
        Assert.Null(Explain(matcher, "Air India flight AI 171"));
        var match = Assert.Single(matcher.Match("Google Quantum AI and generative AI", ""));
        Assert.Equal("AI in title", match.Explain());
        Assert.Equal(33, Assert.Single(match.Evidence).Start);
    }

    [Fact]
    public void NearAcrossFields_IsAnOptionOfTheList()
    {
        const string query = "Japan NEAR/3 subsidies";

        Assert.Null(Explain(One(query), "Chips in Japan", "subsidies grow"));
        Assert.Equal("Japan in title; subsidies in summary", Explain(One(query, nearAcrossFields: true), "Chips in Japan", "subsidies grow"));
        Assert.Null(Explain(One(query, nearAcrossFields: true), "Japan chips and more words", "later on subsidies"));
    }

    [Theory]
    [InlineData("ai*", 0, "a wildcard needs at least 3 letters")]
    [InlineData("title: Rapidus", 0, "'title:' must be followed, without a space")]
    [InlineData("title:(summary:Rapidus)", 0, "a summary: term inside title: can never match")]
    [InlineData("Micron NOT", 7, "nothing after this NOT")]
    [InlineData("AI EXCEPT", 3, "nothing after this EXCEPT")]
    [InlineData("(AI chips) EXCEPT Quantum", 11, "EXCEPT joins words or phrases")]
    [InlineData("NOT Micron", 0, "every term is excluded")]
    [InlineData("\"control~*\"", 0, "a word has both ~ and *")]
    public void Parse_BadNewConstructs_SayWhereAndWhat(string query, int position, string reason)
    {
        var error = Assert.Throws<QueryException>(() => QueryParser.Parse(query));

        Assert.Equal(position, error.Position);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Rapidus or Micron", 8, "'or' is read as a word to find; operators are upper case: write OR")]
    [InlineData("export and controls", 7, "write AND")]
    [InlineData("Micron not Micronesia", 7, "write NOT")]
    [InlineData("AI Except Quantum", 3, "write EXCEPT")]
    [InlineData("Japan near/5 chips", 6, "write NEAR/5 (upper case)")]
    [InlineData("Micron +DRAM", 7, "'+' is not an operator here")]
    [InlineData("url:reuters", 0, "'url:' is not a field")]
    [InlineData("\"export control\"~5", 16, "for words near each other write NEAR/5")]
    [InlineData("sub*dy", 3, "'*' inside 'sub*dy' is a symbol the text must have")]
    public void Warnings_NameWhatTheParserTookAsAWord(string query, int position, string message)
    {
        var warning = Assert.Single(QueryParser.Warnings(query));

        Assert.Equal(position, warning.Position);
        Assert.Contains(message, warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Rapidus OR Micron")]
    [InlineData("\"or\" Rapidus")]
    [InlineData("title:Rapidus subsid* \"export control~\"")]
    [InlineData("https://example.com")]
    [InlineData("MU.O OR $MU OR C++")]
    public void Warnings_NoneForWhatIsWrittenAsMeant(string query)
    {
        Assert.Empty(QueryParser.Warnings(query));
    }
}
