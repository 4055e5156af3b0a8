using ChipAlerts.Core.Configuration;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ChipAlerts.Cli.Commands;

/// <summary>
/// A command that needs the services and a valid configuration: builds both, or stops with exit code 2
/// and every configuration error named, before anything is fetched or sent.
/// </summary>
public abstract class ConfiguredCommand<TSettings>(IAnsiConsole console) : AsyncCommand<TSettings>
    where TSettings : CommonSettings
{
    protected IAnsiConsole Console { get; } = console;

    public sealed override async Task<int> ExecuteAsync(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        using var host = CliHost.Build(settings);
        return CliHost.LoadConfiguration(host, Console) is { } config
            ? await RunAsync(host.Services, config, settings, cancellationToken)
            : ExitCodes.BadConfiguration;
    }

    protected abstract Task<int> RunAsync(IServiceProvider services, LoadedConfig config, TSettings settings, CancellationToken cancellationToken);
}

/// <summary>A configured command with only the common options.</summary>
public abstract class ConfiguredCommand(IAnsiConsole console) : ConfiguredCommand<CommonSettings>(console);
