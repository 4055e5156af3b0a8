using System.Runtime.InteropServices;
using ChipAlerts.Cli;
using ChipAlerts.Cli.Commands;
using Spectre.Console;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C stops cleanly after the current step; a second one kills.
    e.Cancel = !stop.IsCancellationRequested;
    stop.Cancel();
};

// SIGTERM (systemd, containers) stops cleanly too.
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

// Results on stdout, errors on stderr. Piped to a file or a program, tables keep their full width.
var output = AnsiConsole.Console;
if (Console.IsOutputRedirected)
{
    output.Profile.Width = 4096;
}

var errors = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
if (Console.IsErrorRedirected)
{
    errors.Profile.Width = 4096; // a log file or journal gets each message on one line
}
return await ChipAlertsCli.RunAsync(args, new CliConsoles(output, errors), stop.Token);
