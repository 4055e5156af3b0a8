using ChipAlerts.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ChipAlerts.Cli;

/// <summary>The `chipalerts` command line. Tests call <see cref="RunAsync"/> in-process with their own console.</summary>
public static class ChipAlertsCli
{
    public static Task<int> RunAsync(string[] args, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("chipalerts");
            config.ConfigureConsole(console);
            config.AddCommand<OnceCommand>("once")
                .WithDescription("Poll every feed once, alert on new matching items, print a summary.");
            config.AddCommand<RunCommand>("run")
                .WithDescription("Poll on the configured schedule until Ctrl+C.");
            config.AddCommand<DigestCommand>("digest")
                .WithDescription("Send every digest subscriber's held alerts now.");
            config.AddCommand<CheckCommand>("check")
                .WithDescription("Validate the configuration and say what it holds.");
        });
        return app.RunAsync(args, cancellationToken);
    }
}
