using ChipAlerts.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ChipAlerts.Cli;

/// <summary>The `chipalerts` command line. Tests call <see cref="RunAsync"/> in-process with their own console.</summary>
public static class ChipAlertsCli
{
    /// <summary>What a lone "-" (standard input) becomes: the parser would read "-" as an option without a name.</summary>
    internal const string StandardInput = "@stdin";

    public static Task<int> RunAsync(string[] args, IAnsiConsole console, CancellationToken cancellationToken)
    {
        args = [.. args.Select(a => a == "-" ? StandardInput : a)];
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
            config.AddCommand<ClassifyCommand>("classify")
                .WithDescription("Run the watch-lists over a feed file, a feed URL or a text (-) and say what matched and why.")
                .WithExample("classify", "samples/feeds/semiconductor-wire.xml");
            config.AddCommand<PreviewCommand>("preview")
                .WithDescription("Run one watch-list over the items seen recently and show what it would have alerted on.")
                .WithExample("preview", "--list", "Micron", "--days", "30");
            config.AddCommand<CheckCommand>("check")
                .WithDescription("Validate the configuration and say what it holds.");
        });
        return app.RunAsync(args, cancellationToken);
    }
}
