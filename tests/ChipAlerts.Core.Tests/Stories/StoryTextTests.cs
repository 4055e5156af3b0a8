using ChipAlerts.Core.Stories;

namespace ChipAlerts.Core.Tests.Stories;

public sealed class StoryTextTests
{
    private static IReadOnlySet<ulong> Words(string text) => StoryText.Of(text, "", null).Words;

    [Fact]
    public void Words_AreFoldedAsTheMatcherFoldsThem_WithoutFunctionWords_AndWithoutAPluralS()
    {
        Assert.Equal(Words("export control"), Words("The EXPORT Controls of the"));
        Assert.Equal(Words("Nishimura chip"), Words("Nishímura chips"));
        Assert.Equal(Words("micron 15 billion fab"), Words("Micron's $15 billion fabs")); // the lone "s" and the "$" are no words
    }

    [Fact]
    public void ChineseAndJapanese_AreCharacterPairs_SoTheSameWordsMatchInsideUnsegmentedText()
    {
        var a = Words("美国将23家中企列入实体清单");
        var b = Words("美商务部将23家中国实体列入清单");

        Assert.True(StoryText.Jaccard(a, b) > 0.2, $"{StoryText.Jaccard(a, b):0.00}");
        Assert.Contains(Words("实体")!.Single(), a); // 实体 is one pair
        Assert.Equal(Words("ラピダス"), Words("ラピダス")); // kana too
    }

    [Fact]
    public void Jaccard_IsTheShareOfWordsInCommon()
    {
        var a = Words("alpha beta gamma delta");
        var b = Words("alpha beta gamma epsilon zeta");

        Assert.Equal(3.0 / 6, StoryText.Jaccard(a, b), 3);
        Assert.Equal(0, StoryText.Jaccard(a, new HashSet<ulong>()));
    }

    [Fact]
    public void TheSketch_IsDeterministic_AndSimilarTextsShareKeys_WhileUnrelatedOnesDoNot()
    {
        var a = StoryText.Of("Micron to build memory fab in Boise, Idaho", "Micron plans to spend about $15 billion by the end of the decade on a new memory fab in Boise.", null);
        var again = StoryText.Of("Micron to build memory fab in Boise, Idaho", "Micron plans to spend about $15 billion by the end of the decade on a new memory fab in Boise.", null);
        var similar = StoryText.Of("Micron commits $15B to a new Boise fab", "Micron Technology will invest $15B in a leading-edge memory fab in Boise, Idaho.", null);
        var unrelated = StoryText.Of("Google unveils Willow quantum chip", "Willow reduces errors exponentially as qubits scale up.", null);

        Assert.Equal(StoryText.Sketch, a.Keys.Count);
        Assert.Equal(a.Keys, again.Keys);
        Assert.NotEmpty(a.Keys.Intersect(similar.Keys));
        Assert.Empty(a.Keys.Intersect(unrelated.Keys));
    }

    [Fact]
    public void Words_RoundTripThroughTheStoredForm_AndLinksAreCanonical()
    {
        var text = StoryText.Of("Rapidus 2nm prototype", "Rapidus showed a wafer.", "HTTPS://Example.com/a?utm_source=x#top");

        Assert.Equal(text.Words, StoryText.Decode(StoryText.Encode(text.Words)));
        Assert.Equal("https://example.com/a", text.Link);
        Assert.Null(StoryText.Of("t", "s", "https://example.com/?utm_source=rss").Link); // a front page names no story
    }
}
