using ChipAlerts.Core.Configuration;
using Cronos;

namespace ChipAlerts.Core.Pipeline;

/// <summary>The local runner's clock: the same NCRONTAB expression the Functions timer trigger uses.</summary>
public sealed class PollSchedule(LoadedConfig config, TimeProvider time)
{
    // LoadedConfig has been validated, pollSchedule included.
    private readonly CronExpression cron = ConfigLoader.TryParseCron(config.Config.PollSchedule, out var parsed)
        ? parsed!
        : throw new InvalidOperationException("pollSchedule passed validation but does not parse.");

    public DateTimeOffset? NextAfter(DateTimeOffset instant) => cron.GetNextOccurrence(instant, TimeZoneInfo.Utc);

    /// <summary>Runs <paramref name="cycle"/> at every occurrence until cancelled.</summary>
    public async Task RunAsync(Func<CancellationToken, Task> cycle, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            if (NextAfter(now) is not { } next)
            {
                return;
            }

            try
            {
                await Task.Delay(next - now, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await cycle(cancellationToken);
        }
    }
}
