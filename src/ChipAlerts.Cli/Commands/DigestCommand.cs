using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Outbox;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace ChipAlerts.Cli.Commands;

/// <summary>`chipalerts digest`: sends every digest subscriber's held alerts now, one message per channel.</summary>
public sealed class DigestCommand(CliConsoles consoles) : ConfiguredCommand(consoles)
{
    protected override async Task<int> RunAsync(IServiceProvider services, LoadedConfig config, CommonSettings settings, CancellationToken cancellationToken)
    {
        var summary = await services.GetRequiredService<AlertOutbox>().SendAllDigestsAsync(cancellationToken);
        if (settings.Json)
        {
            CliJson.Write(Console, summary);
        }
        else
        {
            Console.MarkupLineInterpolated($"Digests: {summary.Delivered} alerts delivered, {summary.Retrying} to retry, {summary.Failed} failed.");
        }

        return summary.Retrying + summary.Failed > 0 ? ExitCodes.Failed : ExitCodes.Ok;
    }
}
