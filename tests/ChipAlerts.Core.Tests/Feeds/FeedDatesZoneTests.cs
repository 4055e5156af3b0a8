using System.Globalization;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Core.Tests.Feeds;

/// <summary>The machine's time zone and culture change nothing: changes the process's zone, so it runs alone.</summary>
[Collection(SerialCollection.Name)]
public sealed class FeedDatesZoneTests
{
    private static readonly (string Text, string Utc)[] Forms =
    [
        ("Fri, 26 May 2023 03:40:00 +0900", "2023-05-25T18:40:00Z"),
        ("26 May 2023 03:40:00 JST", "2023-05-25T18:40:00Z"),
        ("Wed, 05 Jul 2023 12:00:00 CEST", "2023-07-05T10:00:00Z"),
        ("Fri, 07 Oct 2022 16:00:00 EDT", "2022-10-07T20:00:00Z"),
        ("2023-05-26T09:00:00+09:00", "2023-05-26T00:00:00Z"),
        ("2023-05-26", "2023-05-26T00:00:00Z"),
    ];

    [Theory]
    [InlineData("Asia/Tokyo", "ja-JP")]
    [InlineData("America/Los_Angeles", "en-US")]
    [InlineData("Asia/Tokyo", "de-DE")]
    [InlineData("America/Los_Angeles", "de-DE")]
    public void Parse_UnderOtherZonesAndCultures_GivesTheSameUtcInstants(string zone, string culture)
    {
        var previousZone = Environment.GetEnvironmentVariable("TZ");
        var previousCulture = CultureInfo.CurrentCulture;
        try
        {
            Environment.SetEnvironmentVariable("TZ", zone);
            TimeZoneInfo.ClearCachedData();
            CultureInfo.CurrentCulture = new CultureInfo(culture);
            Assert.Equal(zone, TimeZoneInfo.Local.Id); // the zone really changed

            foreach (var (text, utc) in Forms)
            {
                Assert.Equal(DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture), FeedDates.Parse(text));
                Assert.Equal(TimeSpan.Zero, FeedDates.Parse(text)!.Value.Offset);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("TZ", previousZone);
            TimeZoneInfo.ClearCachedData();
            CultureInfo.CurrentCulture = previousCulture;
        }
    }
}
