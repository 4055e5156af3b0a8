using System.Globalization;
using ChipAlerts.Core.Configuration;
using Cronos;

namespace ChipAlerts.Core.Routing;

/// <summary>
/// A subscriber's own time: the zone their digest schedule and quiet hours are written in, when their
/// digest is due, and until when an alert made now must wait. Built from a validated configuration.
/// </summary>
public sealed class SubscriberClock
{
    private readonly CronExpression digest;
    private readonly TimeSpan? quietFrom;
    private readonly TimeSpan? quietTo;

    public SubscriberClock(SubscriberConfig subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        Zone = subscriber.TimeZone is { } id ? TimeZoneInfo.FindSystemTimeZoneById(id) : TimeZoneInfo.Utc;
        if (!ConfigLoader.TryParseCron(subscriber.DigestSchedule ?? SubscriberConfig.DefaultDigestSchedule, out var cron))
        {
            throw new ArgumentException($"subscriber '{subscriber.Id}': digestSchedule is not a cron expression.", nameof(subscriber));
        }

        digest = cron!;
        if (subscriber.QuietHours is { } quiet)
        {
            quietFrom = TimeOfDay(quiet.From);
            quietTo = TimeOfDay(quiet.To);
        }
    }

    public TimeZoneInfo Zone { get; }

    /// <summary>
    /// Whether held alerts, the oldest made at <paramref name="oldest"/>, are due at <paramref name="now"/>:
    /// a scheduled time has come since the oldest was made. No state to keep: what the last digest took is
    /// no longer held.
    /// </summary>
    public bool DigestDue(DateTimeOffset oldest, DateTimeOffset now) =>
        NextDigestAfter(oldest) is { } next && next <= now;

    /// <summary>The first time of the digest schedule after <paramref name="instant"/>: when an alert held then is due.</summary>
    public DateTimeOffset? NextDigestAfter(DateTimeOffset instant) => digest.GetNextOccurrence(instant, Zone);

    /// <summary>The end of the quiet window <paramref name="now"/> falls in, or null outside quiet hours.</summary>
    public DateTimeOffset? QuietUntil(DateTimeOffset now)
    {
        if (quietFrom is not { } from || quietTo is not { } to || from == to)
        {
            return null;
        }

        var local = TimeZoneInfo.ConvertTime(now, Zone);
        var time = local.TimeOfDay;
        var inside = from < to ? time >= from && time < to : time >= from || time < to;
        if (!inside)
        {
            return null;
        }

        var endDay = from > to && time >= from ? local.Date.AddDays(1) : local.Date;
        var end = endDay + to;
        // A clock change can skip the end (spring forward): then the first instant after the gap.
        while (Zone.IsInvalidTime(end))
        {
            end = end.AddMinutes(1);
        }

        return new DateTimeOffset(end, Zone.GetUtcOffset(end));
    }

    /// <summary>"HH:mm" (or "H:mm"), as quietHours takes it; null when it is not a time of day.</summary>
    public static TimeSpan? TimeOfDay(string text) =>
        TimeSpan.TryParseExact(text, ["hh\\:mm", "h\\:mm"], CultureInfo.InvariantCulture, out var time) && time < TimeSpan.FromDays(1) ? time : null;

    /// <summary>Whether <paramref name="id"/> names a time zone this machine knows (IANA ids everywhere, Windows ids on Windows).</summary>
    public static bool IsKnownZone(string id)
    {
        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }
}
