using System.ComponentModel;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Outbox;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ChipAlerts.Cli.Commands;

public sealed class DeliveriesListSettings : CommonSettings
{
    [CommandOption("--status <STATUS>")]
    [Description("pending (waiting, or being sent), failed (refused by the receiver), dead (attempts ran out) or delivered. Default: all but delivered.")]
    public string? Status { get; init; }

    [CommandOption("--limit <N>")]
    [Description("Show at most N alerts. Default: 100")]
    [DefaultValue(100)]
    public int Limit { get; init; } = 100;

    public AlertState? ParsedStatus => Enum.TryParse<AlertState>(Status, ignoreCase: true, out var status) ? status : null;

    public override ValidationResult Validate() =>
        Status is not null && (ParsedStatus is null || int.TryParse(Status, out _)) ? ValidationResult.Error($"--status '{Status}' is not one of pending, failed, dead, delivered.")
        : Limit < 1 ? ValidationResult.Error("--limit must be 1 or more.")
        : ValidationResult.Success();
}

/// <summary>`chipalerts deliveries [list] [--status S]`: the alerts in the outbox, with their attempts and last error.</summary>
public sealed class DeliveriesListCommand(CliConsoles consoles) : ConfiguredCommand<DeliveriesListSettings>(consoles)
{
    protected override bool SendsNothing => true;


    protected override async Task<int> RunAsync(IServiceProvider services, LoadedConfig config, DeliveriesListSettings settings, CancellationToken cancellationToken)
    {
        var outbox = services.GetRequiredService<AlertOutbox>();
        var entries = settings.ParsedStatus is { } status
            ? status == AlertState.Pending
                ? [.. (await outbox.ListAsync(null, int.MaxValue, cancellationToken)).Where(e => e.IsActive).Take(settings.Limit)]
                : await outbox.ListAsync(status, settings.Limit, cancellationToken)
            : [.. (await outbox.ListAsync(null, int.MaxValue, cancellationToken)).Where(e => e.State != AlertState.Delivered).Take(settings.Limit)];
        var rows = entries.Select(e => new
        {
            e.Alert.AlertId,
            Status = e.State.ToString().ToLowerInvariant(),
            e.Alert.SubscriberId,
            Channel = e.Alert.Channel.ToString(), // an address or a setting's name, never a webhook URL
            e.Attempts,
            e.Alert.CreatedAt,
            NextAttemptAt = e.State == AlertState.Pending ? e.DueAt : (DateTimeOffset?)null,
            e.LastError,
            e.Alert.Item.Title,
        }).ToList();
        if (settings.Json)
        {
            CliJson.Write(Console, rows);
            return ExitCodes.Ok;
        }

        if (rows.Count == 0)
        {
            Console.MarkupLine(settings.Status is null ? "No alerts waiting, failed or dead." : $"No {settings.Status.ToLowerInvariant()} alerts.");
            return ExitCodes.Ok;
        }

        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn(new TableColumn("alert").NoWrap());
        table.AddColumns("status", "to", "attempts", "item", "last error");
        foreach (var row in rows)
        {
            table.AddRow(
                row.AlertId,
                row.Status switch { "dead" => "[red]dead[/]", "failed" => "[red]failed[/]", "pending" => "[yellow]pending[/]", _ => row.Status },
                Markup.Escape($"{row.SubscriberId} · {row.Channel}"),
                $"{row.Attempts}",
                Markup.Escape(row.Title),
                Markup.Escape(row.LastError ?? ""));
        }

        Console.Write(table);
        Console.MarkupLineInterpolated($"{rows.Count} alert(s). Resend with: chipalerts deliveries replay <alert> (or --all-dead).");
        return ExitCodes.Ok;
    }
}

public sealed class DeliveriesReplaySettings : CommonSettings
{
    [CommandArgument(0, "[ALERT]")]
    [Description("The alert's id, as `deliveries list` shows it.")]
    public string? AlertId { get; init; }

    [CommandOption("--all-dead")]
    [Description("Replay every dead-lettered alert.")]
    public bool AllDead { get; init; }

    public override ValidationResult Validate() =>
        (AlertId is not null) != AllDead ? ValidationResult.Success() : ValidationResult.Error("Give an alert id or --all-dead (not both).");
}

/// <summary>`chipalerts deliveries replay ID` or `--all-dead`: makes failed or dead alerts pending again and delivers what is due.</summary>
public sealed class DeliveriesReplayCommand(CliConsoles consoles) : ConfiguredCommand<DeliveriesReplaySettings>(consoles)
{
    protected override async Task<int> RunAsync(IServiceProvider services, LoadedConfig config, DeliveriesReplaySettings settings, CancellationToken cancellationToken)
    {
        var outbox = services.GetRequiredService<AlertOutbox>();
        IReadOnlyList<string> ids = settings.AllDead
            ? [.. (await outbox.ListAsync(AlertState.Dead, int.MaxValue, cancellationToken)).Select(e => e.Alert.AlertId)]
            : [settings.AlertId!];
        var replayed = new List<string>();
        foreach (var id in ids)
        {
            if (await outbox.ReplayAsync(id, cancellationToken))
            {
                replayed.Add(id);
            }
            else
            {
                var entry = await outbox.GetAsync(id, cancellationToken);
                Errors.MarkupLineInterpolated($"[red]Not replayed: {id}[/] {(entry is null ? "is not in the outbox." : $"is {entry.State.ToString().ToLowerInvariant()}, not failed or dead.")}");
            }
        }

        if (replayed.Count == 0)
        {
            if (settings.AllDead)
            {
                Console.MarkupLine("No dead alerts to replay.");
                return ExitCodes.Ok;
            }

            return ExitCodes.Failed;
        }

        await outbox.DeliverDueAsync(cancellationToken);
        // What became of each replayed alert, read back: the pass's own counts also hold other alerts it sent.
        var after = new List<OutboxRecord>();
        foreach (var id in replayed)
        {
            after.Add((await outbox.GetAsync(id, cancellationToken))!);
        }

        int Count(params AlertState[] states) => after.Count(r => states.Contains(r.State));
        var code = after.All(r => r.State == AlertState.Delivered) ? ExitCodes.Ok : ExitCodes.Failed;
        if (settings.Json)
        {
            CliJson.Write(Console, after.Select(r => new { r.AlertId, State = r.State.ToString().ToLowerInvariant(), r.Attempts, NextAttemptAt = r.IsActive ? r.DueAt : (DateTimeOffset?)null, r.LastError }));
            return code;
        }

        Console.MarkupLineInterpolated($"Replayed {replayed.Count} alert(s): {Count(AlertState.Delivered)} delivered, {Count(AlertState.Pending, AlertState.Claimed)} pending, {Count(AlertState.Failed, AlertState.Dead)} failed.");
        foreach (var waiting in after.Where(r => r.IsActive))
        {
            Console.MarkupLineInterpolated($"  {waiting.AlertId} pending: next attempt {waiting.DueAt:u}{(waiting.Attempts > 0 ? $" ({waiting.LastError})" : " (not tried yet: behind an older alert of its destination)")}.");
        }

        return code;
    }
}
