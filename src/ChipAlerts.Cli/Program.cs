using System.Runtime.InteropServices;
using ChipAlerts.Cli;
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

return await ChipAlertsCli.RunAsync(args, AnsiConsole.Console, stop.Token);
