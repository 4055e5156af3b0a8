using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;

namespace ChipAlerts.Cli.Commands;

/// <summary>Where a command writes: results on <see cref="Out"/> (stdout), errors and diagnostics on <see cref="Errors"/> (stderr).</summary>
public sealed record CliConsoles(IAnsiConsole Out, IAnsiConsole Errors);

/// <summary>The one JSON shape of every `--json`: camelCase, indented, text as written (Japanese stays Japanese).</summary>
public static class CliJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The same, one value per line (JSON Lines), for output with a value per input.</summary>
    public static readonly JsonSerializerOptions LineOptions = new(Options) { WriteIndented = false };

    public static void Write(IAnsiConsole console, object value) =>
        console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(value, Options));

    public static void WriteLine(IAnsiConsole console, object value) =>
        console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(value, LineOptions));
}
