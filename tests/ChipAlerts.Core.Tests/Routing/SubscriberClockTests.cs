using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Routing;

namespace ChipAlerts.Core.Tests.Routing;

public sealed class SubscriberClockTests
{
    private static SubscriberClock Clock(string? zone = null, string? schedule = null, string? from = null, string? to = null) => new(new SubscriberConfig
    {
        Id = "s",
        TimeZone = zone,
        DigestSchedule = schedule,
        QuietHours = from is null ? null : new QuietHoursConfig { From = from, To = to! },
    });

    private static DateTimeOffset Utc(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("22:00", "07:00", 21, 59, null)] // before the window
    [InlineData("22:00", "07:00", 22, 0, "2026-01-02T07:00:00+00:00")] // crossing midnight: ends tomorrow
    [InlineData("22:00", "07:00", 3, 0, "2026-01-01T07:00:00+00:00")] // after midnight: ends today
    [InlineData("22:00", "07:00", 7, 0, null)] // the end is outside
    [InlineData("12:00", "13:30", 12, 45, "2026-01-01T13:30:00+00:00")] // a window within a day
    [InlineData("09:00", "09:00", 9, 0, null)] // an empty window
    public void QuietUntil_InUtc(string from, string to, int hour, int minute, string? expected)
    {
        var until = Clock(from: from, to: to).QuietUntil(Utc(1, 1, hour, minute));

        Assert.Equal(expected is null ? null : DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), until);
    }

    [Fact]
    public void QuietUntil_AnEndSkippedBySpringForward_IsTheFirstInstantAfterTheGap()
    {
        // Berlin, 2026-03-29: 02:00 jumps to 03:00. A window ending at 02:30 ends at 03:00 CEST = 01:00 UTC.
        var until = Clock("Europe/Berlin", from: "01:00", to: "02:30").QuietUntil(Utc(3, 29, 0, 15)); // 01:15 CET

        Assert.Equal(Utc(3, 29, 1), until);
    }

    [Fact]
    public void DigestDue_WhenAScheduledTimeHasComeSinceTheOldestAlert_InTheSubscribersZone()
    {
        var clock = Clock("America/New_York", "0 8 * * 1-5"); // weekdays, 08:00 New York (13:00 UTC in winter)
        var friday = Utc(1, 2, 14); // Friday 09:00 New York, after that day's digest

        Assert.False(clock.DigestDue(friday, Utc(1, 3, 13))); // Saturday: no digest
        Assert.False(clock.DigestDue(friday, Utc(1, 5, 12, 59))); // Monday, a minute early
        Assert.True(clock.DigestDue(friday, Utc(1, 5, 13))); // Monday 08:00 New York
    }

    [Fact]
    public void DigestDue_WithDigestTrueOnly_IsDailyAtEightUtc()
    {
        var clock = Clock();

        Assert.False(clock.DigestDue(Utc(1, 1, 8, 1), Utc(1, 2, 7, 59)));
        Assert.True(clock.DigestDue(Utc(1, 1, 8, 1), Utc(1, 2, 8)));
    }
}
