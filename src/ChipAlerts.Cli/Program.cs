using ChipAlerts.Cli;
using Spectre.Console;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C stops cleanly after the current step; a second one kills.
    e.Cancel = !stop.IsCancellationRequested;
    stop.Cancel();
};

return await ChipAlertsCli.RunAsync(args, AnsiConsole.Console, stop.Token);
