using ChipAlerts.Core.Configuration;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ChipAlerts.Cli.Commands;

/// <summary>
/// A command that needs the services and a valid configuration: builds both, or stops with exit code 2
/// and every configuration error named on stderr, before anything is fetched or sent.
/// </summary>
public abstract class ConfiguredCommand<TSettings>(CliConsoles consoles) : AsyncCommand<TSettings>
    where TSettings : CommonSettings
{
    /// <summary>Results: tables, JSON (stdout).</summary>
    protected IAnsiConsole Console { get; } = consoles.Out;

    /// <summary>Errors and what to do about them (stderr).</summary>
    protected IAnsiConsole Errors { get; } = consoles.Errors;

    /// <summary>True for a command that sends nothing (it lists, previews or edits): it needs no secrets.</summary>
    protected virtual bool SendsNothing => false;

    /// <summary>True for a command whose work is worth metrics and traces (it polls or sends); the others start without them.</summary>
    protected virtual bool Observed => !SendsNothing;

    public sealed override async Task<int> ExecuteAsync(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        using var host = CliHost.Build(settings, SendsNothing, Observed);
        return CliHost.LoadConfiguration(host, Errors) is { } config
            ? await RunAsync(host.Services, config, settings, cancellationToken)
            : ExitCodes.Usage;
    }

    protected abstract Task<int> RunAsync(IServiceProvider services, LoadedConfig config, TSettings settings, CancellationToken cancellationToken);

    /// <summary>What a command did, as one line of text or (with --json) as <paramref name="json"/>; returns <paramref name="code"/>.</summary>
    protected int Report(TSettings settings, int code, string text, object json)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Json)
        {
            CliJson.Write(Console, json);
        }
        else
        {
            Console.WriteLine(text);
        }

        return code;
    }
}

/// <summary>A configured command with only the common options.</summary>
public abstract class ConfiguredCommand(CliConsoles consoles) : ConfiguredCommand<CommonSettings>(consoles);
