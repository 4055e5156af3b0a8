using System.Globalization;
using ChipAlerts.Core.Feeds;

namespace ChipAlerts.Core.Tests.Feeds;

public sealed class FeedDatesTests
{
    [Theory]
    [InlineData("Fri, 26 May 2023 03:40:00 +0900", "2023-05-25T18:40:00Z")]
    [InlineData("26 May 2023 03:40:00 JST", "2023-05-25T18:40:00Z")]
    [InlineData("Sat, 27 May 2023 10:00:00 GMT", "2023-05-27T10:00:00Z")]
    [InlineData("Fri, 07 Oct 2022 16:00:00 EDT", "2022-10-07T20:00:00Z")]
    [InlineData("Wed, 05 Jul 2023 12:00:00 CEST", "2023-07-05T10:00:00Z")]
    [InlineData("Wed, 5 Jul 23 12:00 +0200", "2023-07-05T10:00:00Z")]
    [InlineData("2023-05-26T09:00:00+09:00", "2023-05-26T00:00:00Z")]
    [InlineData("2023-05-26T00:00:00Z", "2023-05-26T00:00:00Z")]
    [InlineData("2023-05-26", "2023-05-26T00:00:00Z")]
    public void Parse_KnownForms_GiveUtc(string text, string expected)
    {
        Assert.Equal(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture), FeedDates.Parse(text));
    }

    [Theory]
    [InlineData("zh-cn", "2025-09-15T02:00:00Z")] // China Standard Time, UTC+8
    [InlineData("zh-TW", "2025-09-15T02:00:00Z")]
    [InlineData("en-us", "2025-09-15T16:00:00Z")] // US Central, UTC-6
    [InlineData(null, "2025-09-15T16:00:00Z")]
    public void Parse_CST_IsChinaStandardTimeInAChineseFeed_AndUSCentralElsewhere(string? language, string expected)
    {
        Assert.Equal(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture), FeedDates.Parse("Mon, 15 Sep 2025 10:00:00 CST", language));
    }

    [Fact]
    public void Parse_AChineseRssFeed_ReadsItsCSTDatesAsUtcPlusEight()
    {
        var rss = "<rss version=\"2.0\"><channel><title>新闻</title><language>zh-cn</language><item><title>美光</title><guid>1</guid><pubDate>Mon, 15 Sep 2025 10:00:00 CST</pubDate></item></channel></rss>";

        var item = Assert.Single(FeedParser.Parse("zh", System.Text.Encoding.UTF8.GetBytes(rss), null, new Uri("https://news.example.cn/rss")));

        Assert.Equal(new DateTimeOffset(2025, 9, 15, 2, 0, 0, TimeSpan.Zero), item.Published);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("yesterday-ish")]
    [InlineData("Fri, 26 May 2023 03:40:00 XYZT")]
    public void Parse_Unparseable_IsNull(string? text)
    {
        Assert.Null(FeedDates.Parse(text));
    }

    [Theory]
    [InlineData("ja-JP")]
    [InlineData("de-DE")]
    [InlineData("en-US")]
    public void Parse_UnderOtherCultures_GivesSameInstant(string culture)
    {
        var previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo(culture);
            Assert.Equal(new DateTimeOffset(2023, 5, 25, 18, 40, 0, TimeSpan.Zero), FeedDates.Parse("Fri, 26 May 2023 03:40:00 +0900"));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }
}
