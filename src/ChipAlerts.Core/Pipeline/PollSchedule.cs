using ChipAlerts.Core.Configuration;
using Cronos;
using Microsoft.Extensions.Configuration;

namespace ChipAlerts.Core.Pipeline;

/// <summary>The local runner's clock: the same NCRONTAB expression the Functions timer trigger uses.</summary>
public sealed class PollSchedule(LoadedConfig config, IConfiguration settings, TimeProvider time)
{
    /// <summary>The setting ChipAlerts:PollSchedule when set (as the Functions timer uses it), else pollSchedule.</summary>
    public string Expression { get; } = Choose(config, settings);

    // Both sources were validated when the configuration was loaded.
    private readonly CronExpression cron = ConfigLoader.TryParseCron(Choose(config, settings), out var parsed)
        ? parsed!
        : throw new InvalidOperationException("the poll schedule passed validation but does not parse.");

    private static string Choose(LoadedConfig config, IConfiguration settings) =>
        settings[ConfigLoader.PollScheduleSetting] is { Length: > 0 } setting ? setting : config.Config.PollSchedule;

    public DateTimeOffset? NextAfter(DateTimeOffset instant) => cron.GetNextOccurrence(instant, TimeZoneInfo.Utc);

    /// <summary>
    /// Runs <paramref name="cycle"/> at every occurrence until cancelled, once per occurrence: a timer may wake a
    /// few milliseconds early, and waking at 14:59:59.995 must neither run the 15:00 cycle early nor take 15:00
    /// for the next occurrence and run it again a moment later.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> cycle, CancellationToken cancellationToken)
    {
        DateTimeOffset? last = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            if (NextAfter(last > now ? last.Value : now) is not { } next)
            {
                return;
            }

            try
            {
                while (now < next)
                {
                    await Task.Delay(next - now, time, cancellationToken);
                    now = time.GetUtcNow();
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            last = next;
            await cycle(cancellationToken);
        }
    }
}
