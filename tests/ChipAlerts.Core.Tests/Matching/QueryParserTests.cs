using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Matching;

namespace ChipAlerts.Core.Tests.Matching;

public sealed class QueryParserTests
{
    [Theory]
    [InlineData("", 0, "empty: write at least one word")]
    [InlineData("Rapidus OR \"export controls", 11, "unbalanced quote")]
    [InlineData("(Micron OR DRAM", 0, "unbalanced parenthesis: this '(' is never closed")]
    [InlineData("Micron OR DRAM)", 14, "unbalanced parenthesis: this ')' closes nothing")]
    [InlineData("Micron OR", 7, "empty OR branch: nothing after this OR")]
    [InlineData("OR Micron", 0, "empty OR branch: nothing before this OR")]
    [InlineData("Micron OR OR DRAM", 7, "empty OR branch: nothing after this OR")]
    [InlineData("(Micron OR ) DRAM", 8, "empty OR branch: nothing after this OR")]
    [InlineData("Micron ()", 7, "empty parentheses")]
    [InlineData("Micron /[a-z/", 7, "the regular expression does not compile")]
    [InlineData("Micron /abc", 7, "unterminated regular expression")]
    [InlineData("Micron /abc/x", 12, "unknown regular expression flag 'x'")]
    [InlineData("Japan NEAR/x chips", 6, "NEAR takes a distance in words")]
    [InlineData("Japan NEAR/3 -chips", 6, "NEAR joins words or phrases")]
    [InlineData("Japan NEAR/3", 6, "nothing after this NEAR")]
    [InlineData("- Micron", 0, "a '-' must be followed, without a space")]
    [InlineData("= AI", 0, "a '=' must be followed, without a space")]
    [InlineData("-Micron", 0, "every term is excluded")]
    [InlineData("Micron OR -DRAM", 0, "matches items that contain none of its terms")]
    [InlineData("Micron \"--\"", 7, "has no letter or digit to match")]
    [InlineData("AND Micron", 0, "nothing before this AND")]
    public void Parse_BadQuery_SaysWhereAndWhat(string query, int position, string reason)
    {
        var error = Assert.Throws<QueryException>(() => QueryParser.Parse(query));

        Assert.Equal(position, error.Position);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HostileQueries_AreRefusedNotOverflowingTheStack()
    {
        var deep = Assert.Throws<QueryException>(() => QueryParser.Parse(new string('(', 2_000) + "a" + new string(')', 2_000)));
        var negations = Assert.Throws<QueryException>(() => QueryParser.Parse("a " + new string('-', 9_000) + "b"));
        var longQuery = Assert.Throws<QueryException>(() => QueryParser.Parse(string.Join(" OR ", Enumerable.Repeat("Rapidus", 2_000))));

        Assert.Equal((50, "nested deeper than 50 levels of parentheses and exclusions; simplify the query."), (deep.Position, deep.Reason));
        Assert.StartsWith("nested deeper than 50", negations.Reason, StringComparison.Ordinal);
        Assert.StartsWith("longer than 10,000 characters", longQuery.Reason, StringComparison.Ordinal);
        Assert.IsType<TermNode>(QueryParser.Parse(new string('(', 50) + "a" + new string(')', 50)));
    }

    [Fact]
    public void Parse_Precedence_NotThenNearThenAndThenOr()
    {
        var query = QueryParser.Parse("a b OR -c d NEAR/2 e");

        var or = Assert.IsType<OrNode>(query);
        Assert.IsType<AndNode>(or.Children[0]);
        var right = Assert.IsType<AndNode>(or.Children[1]);
        Assert.IsType<NotNode>(right.Children[0]);
        var near = Assert.IsType<NearNode>(right.Children[1]);
        Assert.Equal(2, near.Distance);
    }

    [Fact]
    public void Term_Marks_AreRead()
    {
        var query = Assert.IsType<AndNode>(QueryParser.Parse("=\"Entity List\"~ $MU MU.O"));

        var entity = Assert.IsType<TermNode>(query.Children[0]).Term;
        Assert.True(entity.CaseSensitive);
        Assert.Equal([WordForm.Exact, WordForm.Inflected], entity.Forms);
        Assert.Equal(["Entity", "List"], entity.Words);
        Assert.Equal([null], entity.Glue);
        Assert.Equal("$", Assert.IsType<TermNode>(query.Children[1]).Term.Prefix);
        Assert.Equal(["."], Assert.IsType<TermNode>(query.Children[2]).Term.Glue);
    }

    [Fact]
    public void Matcher_BadQuery_NamesTheList()
    {
        var error = Assert.Throws<ArgumentException>(() => new WatchListMatcher([new WatchListConfig { Name = "Micron", Query = "(Micron" }]));

        Assert.StartsWith("Watch-list 'Micron', at character 1 of its query: unbalanced parenthesis", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Match_MinScore_WeighsTitleAboveSummary()
    {
        var matcher = new WatchListMatcher([new WatchListConfig { Name = "Strict", Query = "Rapidus OR IBM OR 2nm", MinScore = 3 }]);

        Assert.Equal(3, Assert.Single(matcher.Match("Rapidus news", "")).Score);
        Assert.Empty(matcher.Match("News", "Rapidus and IBM"));
        Assert.Equal(3, Assert.Single(matcher.Match("News", "Rapidus, IBM and 2nm")).Score);
        Assert.Equal(4, Assert.Single(matcher.Match("Rapidus news", "Rapidus and IBM")).Score);
    }

    [Fact]
    public void Match_Weights_AreConfigurable()
    {
        var matcher = new WatchListMatcher([new WatchListConfig { Name = "W", Query = "Rapidus", MinScore = 2, Weights = new() { Title = 1, Summary = 2 } }]);

        Assert.Empty(matcher.Match("Rapidus news", ""));
        Assert.Single(matcher.Match("News", "Rapidus"));
    }

    [Fact]
    public void Match_CatastrophicRegex_TimesOutAsNoMatchAndTheOtherListsStillMatch()
    {
        var matcher = new WatchListMatcher(
        [
            new WatchListConfig { Name = "Slow", Query = "/(a+)+b/" },
            new WatchListConfig { Name = "Rapidus", Query = "Rapidus" },
        ]);
        var started = TimeProvider.System.GetTimestamp();

        var matches = matcher.Match("Rapidus", new string('a', 40_000) + "c");

        Assert.Equal(["Rapidus"], matches.Select(m => m.WatchList));
        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(5));
    }
}
