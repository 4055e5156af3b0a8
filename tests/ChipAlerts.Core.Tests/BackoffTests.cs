using System.Net;
using Microsoft.Extensions.Time.Testing;

namespace ChipAlerts.Core.Tests;

public sealed class BackoffTests
{
    [Theory]
    [InlineData(0, 30)]
    [InlineData(1, 30)]
    [InlineData(2, 60)]
    [InlineData(7, 1920)]
    [InlineData(8, 3600)]
    [InlineData(1000, 3600)]
    public void Exponential_DoublesFromFirstUpToMax(int failures, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), Backoff.Exponential(TimeSpan.FromSeconds(30), failures, TimeSpan.FromHours(1)));
    }

    [Fact]
    public void RetryAfter_ReadsSecondsAndDates()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
        using var seconds = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        seconds.Headers.Add("Retry-After", "120");
        using var date = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        date.Headers.Add("Retry-After", "Thu, 01 Jan 2026 12:05:00 GMT");
        using var none = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);

        Assert.Equal(TimeSpan.FromMinutes(2), Backoff.RetryAfter(seconds, time));
        Assert.Equal(TimeSpan.FromMinutes(5), Backoff.RetryAfter(date, time));
        Assert.Null(Backoff.RetryAfter(none, time));
    }
}
