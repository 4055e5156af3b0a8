namespace ChipAlerts.Core;

/// <summary>
/// Waiting after failures, shared by the planner (feeds) and the dispatcher (alerts):
/// a delay that doubles per consecutive failure up to a ceiling, and the server's own Retry-After.
/// </summary>
public static class Backoff
{
    /// <summary><paramref name="first"/> after one failure, doubling with each further one, never above <paramref name="max"/>.</summary>
    public static TimeSpan Exponential(TimeSpan first, int failures, TimeSpan max)
    {
        var exponent = Math.Clamp(failures - 1, 0, 30);
        var ticks = first.Ticks > max.Ticks >> exponent ? max.Ticks : first.Ticks << exponent;
        return TimeSpan.FromTicks(Math.Min(ticks, max.Ticks));
    }

    /// <summary>The Retry-After of a response (seconds or an HTTP date), as a delay from now.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow(),
        _ => null,
    };
}
