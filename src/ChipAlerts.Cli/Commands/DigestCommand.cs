using ChipAlerts.Core.Delivery;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ChipAlerts.Cli.Commands;

/// <summary>`chipalerts digest`: sends every digest subscriber's held alerts now, one message per channel.</summary>
public sealed class DigestCommand(IAnsiConsole console) : AsyncCommand<CommonSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CommonSettings settings, CancellationToken cancellationToken)
    {
        using var host = CliHost.Build(settings);
        if (CliHost.LoadConfiguration(host, console) is null)
        {
            return ExitCodes.BadConfiguration;
        }

        var summary = await host.Services.GetRequiredService<AlertDispatcher>().SendDigestsAsync(cancellationToken);
        console.MarkupLineInterpolated($"Digests: {summary.Delivered} alerts delivered, {summary.Retrying} to retry, {summary.Failed} failed.");
        return ExitCodes.Ok;
    }
}
