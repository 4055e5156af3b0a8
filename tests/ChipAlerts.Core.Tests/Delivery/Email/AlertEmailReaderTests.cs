using System.Text;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Core.Tests.Delivery.Email;

/// <summary>Email that fits its reader: their time zone, and files any mail client opens.</summary>
public sealed class AlertEmailReaderTests : IDisposable
{
    private readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task PickupEmail_ShowsTimesInTheReadersZone_AndIsSevenBitWithItsTransferEncoding()
    {
        var tokyo = Configs.Desk with { TimeZone = "Asia/Tokyo" };
        using var host = PipelineHost.Create(dir, Configs.With([Configs.Feed("f", new Uri("https://example.com/feed"))], smtpPort: null, tokyo));
        var item = Alerts.Item(title: "ラピダス、2nm試作ラインを稼働 — Rapidus starts its pilot line") with { Published = new DateTimeOffset(2023, 5, 26, 0, 30, 0, TimeSpan.Zero) };
        await host.Outbox.AddAsync([Alerts.For(item, new ChannelAddress("email", "desk@example.com"), new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))], default);

        await host.Outbox.DeliverDueAsync(default);

        var bytes = await File.ReadAllBytesAsync(Assert.Single(Directory.GetFiles(dir.File("outbox/mail"), "*.eml")));
        Assert.All(bytes, b => Assert.True(b < 128, "a byte outside 7-bit ASCII"));
        var raw = Encoding.ASCII.GetString(bytes);
        Assert.Contains("Content-Transfer-Encoding: quoted-printable", raw, StringComparison.Ordinal);
        var message = await MimeKit.MimeMessage.LoadAsync(new MemoryStream(bytes));
        Assert.Contains("Published 2023-05-26 09:30 Asia/Tokyo (UTC+09:00)", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("Published 2023-05-26 09:30 Asia/Tokyo (UTC+09:00)", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("ラピダス、2nm試作ラインを稼働", message.Subject, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("UTC", "2023-05-26 00:30 UTC")]
    [InlineData("America/New_York", "2023-05-25 20:30 America/New_York (UTC-04:00)")]
    [InlineData("Europe/Berlin", "2023-05-26 02:30 Europe/Berlin (UTC+02:00)")]
    public void Time_IsTheReadersLocalTime_WithTheZoneNamed(string zone, string expected) =>
        Assert.Equal(expected, Core.Delivery.Email.AlertEmail.Time(new DateTimeOffset(2023, 5, 26, 0, 30, 0, TimeSpan.Zero), TimeZoneInfo.FindSystemTimeZoneById(zone)));
}
