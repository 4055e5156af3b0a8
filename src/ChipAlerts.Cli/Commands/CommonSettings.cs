using System.ComponentModel;
using Spectre.Console.Cli;

namespace ChipAlerts.Cli.Commands;

/// <summary>Options every command takes; the defaults are the embedded default, run from the repository root.</summary>
public class CommonSettings : CommandSettings
{
    [CommandOption("-c|--config <FILE>")]
    [Description("The configuration file. Default: samples/chipalerts.json")]
    public string? Config { get; init; }

    [CommandOption("-d|--data <FILE>")]
    [Description("The SQLite database. Default: data/chipalerts.db")]
    public string? Data { get; init; }

    [CommandOption("-o|--outbox <DIR>")]
    [Description("The outbox folder; emails without SMTP go to <DIR>/mail. Default: outbox")]
    public string? Outbox { get; init; }

    [CommandOption("-s|--storage <CONNECTION>")]
    [Description("Keep state in Azure Storage (e.g. \"UseDevelopmentStorage=true\" for Azurite) instead of SQLite, so several runners share work. Also the setting ChipAlerts:Storage.")]
    public string? Storage { get; init; }

    [CommandOption("--json")]
    [Description("Print machine-readable JSON instead of tables.")]
    public bool Json { get; init; }
}
