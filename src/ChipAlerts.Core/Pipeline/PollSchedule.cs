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
