using System.Diagnostics;
using ChipAlerts.Core.Tests.Support;
using Spectre.Console;

namespace ChipAlerts.Cli.Tests.Support;

/// <summary>What a command did: its exit code, its results (stdout) and its errors (stderr).</summary>
public sealed record CliResult(int ExitCode, string Output, string Errors = "");

public static class CliRunner
{
    /// <summary>Runs the command in-process with wide, plain consoles; returns the exit code and what it printed on each.</summary>
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var code = await ChipAlertsCli.RunAsync(args, new Commands.CliConsoles(Plain(output), Plain(errors)), default);
        return new CliResult(code, output.ToString(), errors.ToString());
    }

    private static IAnsiConsole Plain(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(writer),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        return console;
    }

    /// <summary>Runs the command with one environment variable set (tests that call this belong to the EnvironmentCollection).</summary>
    public static Task<CliResult> RunWithEnvironmentAsync(string variable, string value, params string[] args) =>
        RunWithEnvironmentAsync(new Dictionary<string, string> { [variable] = value }, args);

    /// <summary>Runs the command with these environment variables set (tests that call this belong to the EnvironmentCollection).</summary>
    public static async Task<CliResult> RunWithEnvironmentAsync(IReadOnlyDictionary<string, string> variables, params string[] args)
    {
        foreach (var (variable, value) in variables)
        {
            Environment.SetEnvironmentVariable(variable, value);
        }

        try
        {
            return await RunAsync(args);
        }
        finally
        {
            foreach (var variable in variables.Keys)
            {
                Environment.SetEnvironmentVariable(variable, null);
            }
        }
    }

    /// <summary>The samples' configuration, with the database and outbox in <paramref name="dir"/>.</summary>
    public static string[] OnSamples(TempDir dir, params string[] args) =>
    [
        .. args,
        "--config", Path.Combine(TestPaths.Samples, "chipalerts.json"),
        "--data", dir.File("data/chipalerts.db"),
        "--outbox", dir.File("outbox"),
    ];

    /// <summary>
    /// The samples' configuration, changed by <paramref name="edit"/> and written to <paramref name="dir"/>
    /// with the bundled feeds' paths made absolute; returns its path.
    /// </summary>
    public static string WriteSamples(TempDir dir, Func<string, string> edit)
    {
        var samples = File.ReadAllText(Path.Combine(TestPaths.Samples, "chipalerts.json"));
        var feeds = Path.Combine(TestPaths.Samples, "feeds").Replace("\\", "/", StringComparison.Ordinal);
        var path = dir.File("chipalerts.json");
        File.WriteAllText(path, edit(samples.Replace("\"url\": \"feeds/", $"\"url\": \"{feeds}/", StringComparison.Ordinal)));
        return path;
    }

    /// <summary>The samples, sending email by SMTP to 127.0.0.1:<paramref name="smtpPort"/>.</summary>
    public static string SamplesWithSmtp(TempDir dir, int smtpPort) => WriteSamples(dir, json => json.Replace(
        "\"from\": \"ChipAlerts <alerts@chipalerts.example>\"",
        $"\"from\": \"ChipAlerts <alerts@chipalerts.example>\", \"smtp\": {{ \"host\": \"127.0.0.1\", \"port\": {smtpPort}, \"security\": \"None\" }}",
        StringComparison.Ordinal));

    /// <summary>Starts the built `chipalerts` as a real child process.</summary>
    public static Process Start(IDictionary<string, string> environment, params string[] args) => StartIn(null, environment, args);

    /// <summary>Starts the built `chipalerts` as a real child process in <paramref name="workingDirectory"/>, where it reads local.settings.json.</summary>
    public static Process StartIn(string? workingDirectory, IDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "chipalerts.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return Process.Start(start)!;
    }
}
