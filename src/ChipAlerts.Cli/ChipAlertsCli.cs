using ChipAlerts.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ChipAlerts.Cli;

/// <summary>The `chipalerts` command line. Tests call <see cref="RunAsync"/> in-process with their own console.</summary>
public static class ChipAlertsCli
{
    /// <summary>What a lone "-" (standard input) becomes: the parser would read "-" as an option without a name.</summary>
    internal const string StandardInput = "@stdin";

    public static Task<int> RunAsync(string[] args, CliConsoles consoles, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(consoles);
        args = [.. args.Select(a => a == "-" ? StandardInput : a)];
        // "feeds", "deliveries" and "optouts" alone mean "… list". Spectre's branch default command drops the options given to it
        // (spectreconsole/spectre.console#1588), so the subcommand is named here instead.
        if (args is ["feeds" or "deliveries" or "optouts", ..] && (args.Length == 1 || args[1].StartsWith('-')) && !args.Contains("--help") && !args.Contains("-h"))
        {
            args = [args[0], "list", .. args[1..]];
        }

        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("chipalerts");
            config.ConfigureConsole(consoles.Out);
            config.Settings.Registrar.RegisterInstance(consoles);
            // A misspelt option is an error, never an ignored word: `once --conifg x.json` must not run on the default.
            config.UseStrictParsing();
            config.SetExceptionHandler((e, _) => CliErrors.Report(e, consoles.Errors));
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
            config.AddBranch<CommonSettings>("feeds", feeds =>
            {
                feeds.SetDescription("Every feed's health (status, last success, next poll, error); import, export and add feeds.");
                feeds.AddCommand<FeedsListCommand>("list")
                    .WithDescription("Every feed's health: status, last success, next poll, error (the same as 'feeds' alone).");
                feeds.AddCommand<FeedsImportCommand>("import")
                    .WithDescription("Add the feeds of an OPML file (as feed readers export it) to the configuration.")
                    .WithExample("feeds", "import", "subscriptions.opml");
                feeds.AddCommand<FeedsExportCommand>("export")
                    .WithDescription("Write the configured feeds as OPML 2.0.");
                feeds.AddCommand<FeedsAddCommand>("add")
                    .WithDescription("Add a feed by its url, or by a web page that announces it.")
                    .WithExample("feeds", "add", "https://www.example.com/news/");
            });
            config.AddBranch<CommonSettings>("deliveries", deliveries =>
            {
                deliveries.SetDescription("The alerts in the outbox: list pending, failed and dead ones; replay them.");
                deliveries.AddCommand<DeliveriesListCommand>("list")
                    .WithDescription("Alerts with their status, attempts and last error (the same as 'deliveries' alone).")
                    .WithExample("deliveries", "list", "--status", "dead");
                deliveries.AddCommand<DeliveriesReplayCommand>("replay")
                    .WithDescription("Make a failed or dead alert pending again, and deliver it now.")
                    .WithExample("deliveries", "replay", "--all-dead");
            });
            config.AddBranch<CommonSettings>("optouts", optOuts =>
            {
                optOuts.SetDescription("Channels that get no more alerts: unsubscribed readers, deleted chat webhooks.");
                optOuts.AddCommand<OptOutsListCommand>("list")
                    .WithDescription("Every opted-out channel, since when and why (the same as 'optouts' alone).");
                optOuts.AddCommand<OptOutsAddCommand>("add")
                    .WithDescription("Unsubscribe by a link from an email, as the unsubscribe endpoint would.")
                    .WithExample("optouts", "add", "https://chipalerts.example.com/api/unsubscribe?token=…");
                optOuts.AddCommand<OptOutsRemoveCommand>("remove")
                    .WithDescription("Send alerts to a channel again.")
                    .WithExample("optouts", "remove", "team", "slack:Hooks:Team");
            });
            config.AddCommand<StoriesCommand>("stories")
                .WithDescription("Recent stories: the copies of each, their sources, and why each copy joined.")
                .WithExample("stories", "--limit", "5");
            config.AddCommand<InitCommand>("init")
                .WithDescription("Write a starter configuration, its sample feeds and a settings file into a folder of your own.")
                .WithExample("init", "~/chipalerts");
            config.AddCommand<CheckCommand>("check")
                .WithDescription("Validate the configuration and say what it holds.");
        });
        return app.RunAsync(args, cancellationToken);
    }
}
