using System.ComponentModel;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ChipAlerts.Cli.Commands;

public sealed class InitSettings : CommandSettings
{
    [CommandArgument(0, "[FOLDER]")]
    [Description("Where to write the starter files. Default: the current folder.")]
    public string Folder { get; init; } = ".";

    [CommandOption("--force")]
    [Description("Overwrite files that are already there.")]
    public bool Force { get; init; }
}

/// <summary>
/// `chipalerts init [FOLDER]`: a starter of one's own, outside the repository's samples: chipalerts.json (the
/// sample watch-lists and feeds), the bundled feeds, and a local.settings.json that points every path at the
/// folder, so that in it `chipalerts once` and `chipalerts feeds add` work on these files.
/// </summary>
public sealed class InitCommand(CliConsoles consoles) : AsyncCommand<InitSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, InitSettings settings, CancellationToken cancellationToken)
    {
        var folder = Path.GetFullPath(settings.Folder);
        var files = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["chipalerts.json"] = Resource("starter/chipalerts.json"),
            ["local.settings.json"] = Settings(Resource("starter/local.settings.json"), folder),
        };
        foreach (var name in typeof(InitCommand).Assembly.GetManifestResourceNames().Where(n => n.StartsWith("starter/feeds/", StringComparison.Ordinal)))
        {
            files[Path.Combine("feeds", name["starter/feeds/".Length..])] = Resource(name);
        }

        var existing = files.Keys.Where(f => File.Exists(Path.Combine(folder, f))).ToList();
        if (existing.Count > 0 && !settings.Force)
        {
            consoles.Errors.MarkupLineInterpolated($"[red]Not written:[/] {folder} already has {string.Join(", ", existing)}. Use another folder, or --force to overwrite.");
            return ExitCodes.Failed;
        }

        foreach (var (name, text) in files)
        {
            var path = Path.Combine(folder, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, text, cancellationToken);
        }

        consoles.Out.MarkupLineInterpolated($"Wrote chipalerts.json, local.settings.json and {files.Count - 2} sample feeds to {folder}.");
        consoles.Out.MarkupLineInterpolated($"Next: cd {folder} && chipalerts check && chipalerts once. Edit chipalerts.json, or add feeds with chipalerts feeds add URL.");
        return ExitCodes.Ok;
    }

    private static string Resource(string name)
    {
        using var stream = typeof(InitCommand).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"the starter file {name} is not in this build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The sample settings with the paths made the folder's own, so nothing points back into a repository.</summary>
    private static string Settings(string sample, string folder)
    {
        var json = JsonNode.Parse(sample, documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!;
        var values = json["Values"]!.AsObject();
        values["ChipAlerts:ConfigPath"] = Path.Combine(folder, "chipalerts.json");
        values["ChipAlerts:DataPath"] = Path.Combine(folder, "data", "chipalerts.db");
        values["ChipAlerts:OutboxPath"] = Path.Combine(folder, "outbox");
        return json.ToJsonString(CliJson.Options);
    }
}
