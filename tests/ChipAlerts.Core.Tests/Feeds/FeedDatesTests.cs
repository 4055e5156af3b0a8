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
