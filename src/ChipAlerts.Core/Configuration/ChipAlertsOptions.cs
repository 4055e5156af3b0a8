using System.ComponentModel.DataAnnotations;

namespace ChipAlerts.Core.Configuration;

/// <summary>Where things live. Section "ChipAlerts"; the CLI fills it from --config, --data, --outbox.</summary>
public sealed class ChipAlertsOptions
{
    public const string Section = "ChipAlerts";

    [Required]
    public string ConfigPath { get; set; } = "samples/chipalerts.json";

    /// <summary>The SQLite database file of the embedded default.</summary>
    [Required]
    public string DataPath { get; set; } = "data/chipalerts.db";

    /// <summary>The folder of the email pickup directory (emails go to &lt;outbox&gt;/mail).</summary>
    [Required]
    public string OutboxPath { get; set; } = "outbox";
}
