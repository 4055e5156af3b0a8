using System.Net.Sockets;
using System.Reflection;
using System.Text.RegularExpressions;
using ChipAlerts.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ChipAlerts.Cli;

/// <summary>
/// What a command's failure becomes: a message on stderr that says what to do, and the exit code for its
/// kind (<see cref="ExitCodes"/>): a usage mistake 2, an unreachable store or service 3, anything else 1.
/// </summary>
internal static partial class CliErrors
{
    private static readonly string[] Commands = ["once", "run", "digest", "classify", "preview", "feeds", "deliveries", "optouts", "check", "init"];

    /// <summary>Every long option any command takes, for suggestions.</summary>
    private static readonly string[] Options = [.. typeof(CliErrors).Assembly.GetTypes()
        .SelectMany(t => t.GetProperties())
        .Select(p => p.GetCustomAttribute<CommandOptionAttribute>())
        .OfType<CommandOptionAttribute>()
        .SelectMany(o => o.LongNames)
        .Distinct(StringComparer.Ordinal)
        .Select(n => "--" + n)];

    public static int Report(Exception e, IAnsiConsole errors)
    {
        switch (e)
        {
            case CommandAppException usage:
                errors.MarkupLineInterpolated($"[red]Error:[/] {usage.Message}{Suggestion(usage.Message)}");
                errors.MarkupLine("See [bold]chipalerts --help[/], or [bold]chipalerts COMMAND --help[/] for a command's options.");
                return ExitCodes.Usage;
            case OperationCanceledException:
                return ExitCodes.Failed;
            default:
                if (Unreachable(e) is { } cause)
                {
                    errors.MarkupLineInterpolated($"[red]The store or a service could not be reached:[/] {cause.GetType().Name}: {FirstLine(cause.Message)}");
                    errors.MarkupLine("Check the --data path (or ChipAlerts:DataPath), or --storage (ChipAlerts:Storage), and that the service is running.");
                    return ExitCodes.Unreachable;
                }

                errors.MarkupLineInterpolated($"[red]Unexpected error:[/] {e.GetType().Name}: {e.Message}");
                return ExitCodes.Failed;
        }
    }

    /// <summary>The exception (or the one inside it) that says a store or service did not answer; null for anything else.</summary>
    private static Exception? Unreachable(Exception e) => e switch
    {
        AggregateException aggregate => aggregate.InnerExceptions.Select(Unreachable).FirstOrDefault(i => i is not null),
        global::Azure.RequestFailedException or Microsoft.Data.Sqlite.SqliteException or HttpRequestException or SocketException
            or IOException or UnauthorizedAccessException => e,
        _ when e.InnerException is { } inner => Unreachable(inner),
        _ => null,
    };

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    /// <summary>" Did you mean '--config'?" for a word one or two edits from a known command or option.</summary>
    private static string Suggestion(string message)
    {
        if (QuotedWord().Match(message) is not { Success: true } quoted)
        {
            return "";
        }

        var word = quoted.Groups[1].Value;
        var known = message.StartsWith("Unknown option", StringComparison.Ordinal) ? Options
            : message.StartsWith("Unknown command", StringComparison.Ordinal) ? Commands
            : [];
        var typed = known == Options && !word.StartsWith('-') ? "--" + word : word;
        var best = known.Select(k => (Known: k, Distance: Distance(typed, k))).Where(x => x.Distance <= 2).OrderBy(x => x.Distance).FirstOrDefault();
        return best.Known is null ? "" : $" Did you mean '{best.Known}'?";
    }

    /// <summary>Levenshtein distance, with a swap of two neighbours counted as one edit.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }

    [GeneratedRegex("'([^']+)'")]
    private static partial Regex QuotedWord();
}
