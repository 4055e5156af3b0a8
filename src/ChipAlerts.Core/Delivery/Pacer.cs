using System.Diagnostics;
using System.Threading.RateLimiting;

namespace ChipAlerts.Core.Delivery;

/// <summary>
/// A rate limiter that spaces permits: each one at least <c>interval</c> after the one before, on the
/// monotonic clock. The token bucket of System.Threading.RateLimiting refills on a timer grid, so its
/// first wait is anywhere between nothing and a full interval, and a late tick followed by a prompt one
/// lets two sends through milliseconds apart (measured: gaps of 12 and 38 ms at 10/s). Slots are reserved
/// in order, so callers are served first come, first served; a pacer never refuses, it only waits.
/// </summary>
internal sealed class Pacer(TimeSpan interval) : RateLimiter
{
    private static readonly RateLimitLease Granted = new Lease();
    private readonly Lock gate = new();
    private long nextSlot;

    public override TimeSpan? IdleDuration => null;

    public override RateLimiterStatistics? GetStatistics() => null;

    protected override RateLimitLease AttemptAcquireCore(int permitCount) =>
        throw new NotSupportedException("A pacer only waits: use AcquireAsync.");

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        long slot;
        lock (gate)
        {
            slot = Math.Max(Stopwatch.GetTimestamp(), nextSlot);
            nextSlot = slot + (long)(interval.TotalSeconds * Stopwatch.Frequency);
        }

        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), slot);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken); // never early, at most a little late
        }

        return Granted;
    }

    private sealed class Lease : RateLimitLease
    {
        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
