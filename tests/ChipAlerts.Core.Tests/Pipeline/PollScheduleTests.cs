using ChipAlerts.Core.Pipeline;
using ChipAlerts.Core.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace ChipAlerts.Core.Tests.Pipeline;

/// <summary>The local runner's schedule on a clock whose timers wake early, as real ones do by a few milliseconds.</summary>
public sealed class PollScheduleTests : IDisposable
{
    private readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    /// <summary>A fake clock whose timers fire 5 ms before they are due; it says when each timer is made.</summary>
    private sealed class EarlyTimers(FakeTimeProvider inner) : TimeProvider
    {
        public SemaphoreSlim Made { get; } = new(0);

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = inner.CreateTimer(callback, state, dueTime > TimeSpan.FromMilliseconds(5) ? dueTime - TimeSpan.FromMilliseconds(5) : dueTime, period);
            Made.Release();
            return timer;
        }
    }

    [Fact]
    public async Task ATimerThatWakesEarly_NeitherRunsTheCycleEarlyNorRunsItTwice()
    {
        var fake = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 1, TimeSpan.Zero));
        var clock = new EarlyTimers(fake);
        using var host = PipelineHost.Create(dir, Configs.With([Configs.Feed("f", new Uri("https://example.com/feed"))]) with { PollSchedule = "0 */15 * * * *" }, time: clock);
        var cycles = new List<DateTimeOffset>();
        var ran = new SemaphoreSlim(0);
        using var stop = new CancellationTokenSource();
        var loop = host.Get<PollSchedule>().RunAsync(_ =>
        {
            lock (cycles)
            {
                cycles.Add(clock.GetUtcNow());
            }

            ran.Release();
            return Task.CompletedTask;
        }, stop.Token);
        var quarter = new DateTimeOffset(2026, 12, 1, 12, 15, 0, TimeSpan.Zero);

        Assert.True(await clock.Made.WaitAsync(TimeSpan.FromSeconds(10))); // waiting for 12:15
        fake.SetUtcNow(quarter - TimeSpan.FromMilliseconds(5)); // the timer wakes 5 ms early
        Assert.True(await clock.Made.WaitAsync(TimeSpan.FromSeconds(10))); // it waits out the 5 ms rather than run
        Assert.Empty(cycles);
        fake.SetUtcNow(quarter);
        Assert.True(await ran.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await clock.Made.WaitAsync(TimeSpan.FromSeconds(10))); // now waiting for 12:30
        fake.SetUtcNow(quarter.AddMinutes(15));
        Assert.True(await ran.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await clock.Made.WaitAsync(TimeSpan.FromSeconds(10)));
        await stop.CancelAsync();
        await loop;

        Assert.Equal([quarter, quarter.AddMinutes(15)], cycles);
    }
}
