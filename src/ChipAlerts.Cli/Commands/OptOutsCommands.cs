using System.ComponentModel;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Delivery;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.State;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ChipAlerts.Cli.Commands;

/// <summary>`chipalerts optouts [list] [--json]`: channels that get nothing more, and why.</summary>
public sealed class OptOutsListCommand(CliConsoles consoles) : ConfiguredCommand<CommonSettings>(consoles)
{
    protected override bool SendsNothing => true;


    protected override async Task<int> RunAsync(IServiceProvider services, LoadedConfig config, CommonSettings settings, CancellationToken cancellationToken)
    {
        var optOuts = await services.GetRequiredService<IOptOutStore>().GetOptOutsAsync(cancellationToken);
        if (settings.Json)
        {
            var rows = optOuts.Select(o => new { o.SubscriberId, Channel = o.Channel.ToString(), o.Reason, o.At });
            CliJson.Write(Console, rows);
            return ExitCodes.Ok;
        }

        if (optOuts.Count == 0)
        {
            Console.MarkupLine("No channel has opted out: every subscriber gets their alerts.");
            return ExitCodes.Ok;
        }

        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumns("subscriber", "channel", "since", "why");
        foreach (var o in optOuts)
        {
            table.AddRow(Markup.Escape(o.SubscriberId), Markup.Escape(o.Channel.ToString()), $"{o.At:yyyy-MM-dd HH:mm} UTC", Markup.Escape(o.Reason));
        }

        Console.Write(table);
        Console.MarkupLine("Re-enable one with: chipalerts optouts remove <subscriber> <channel>");
        return ExitCodes.Ok;
    }
}

public sealed class OptOutsAddSettings : CommonSettings
{
    [CommandArgument(0, "<LINK>")]
    [Description("An unsubscribe link from an email (or just its token), e.g. forwarded by a reader who asked to be removed.")]
    public string Link { get; init; } = "";
}

/// <summary>`chipalerts optouts add LINK`: what the unsubscribe endpoint does, for a request that came another way.</summary>
public sealed class OptOutsAddCommand(CliConsoles consoles) : ConfiguredCommand<OptOutsAddSettings>(consoles)
{
    protected override async Task<int> RunAsync(IServiceProvider services, LoadedConfig config, OptOutsAddSettings settings, CancellationToken cancellationToken)
    {
        var token = Unsubscribes.TokenIn(settings.Link);
        var (outcome, optOut) = await services.GetRequiredService<Unsubscribes>().UnsubscribeAsync(token, cancellationToken);
        switch (outcome)
        {
            case UnsubscribeOutcome.InvalidToken:
                Errors.MarkupLine("[red]Not a valid unsubscribe link[/] of this installation (incomplete, edited, or signed with another email.unsubscribeKeySetting key).");
                return ExitCodes.Failed;
            case UnsubscribeOutcome.AlreadyUnsubscribed:
                return Report(settings, ExitCodes.Ok, $"{optOut!.SubscriberId} · {optOut.Channel} had already opted out.",
                    new { optOut.SubscriberId, Channel = optOut.Channel.ToString(), Result = "already-opted-out" });
            default:
                return Report(settings, ExitCodes.Ok, $"Unsubscribed {optOut!.SubscriberId} · {optOut.Channel}: it gets no more alerts.",
                    new { optOut.SubscriberId, Channel = optOut.Channel.ToString(), Result = "unsubscribed" });
        }
    }
}

public sealed class OptOutsRemoveSettings : CommonSettings
{
    [CommandArgument(0, "<SUBSCRIBER>")]
    public string SubscriberId { get; init; } = "";

    [CommandArgument(1, "<CHANNEL>")]
    [Description("As `optouts list` shows it, e.g. email:desk@example.com or slack:Hooks:Desk.")]
    public string Channel { get; init; } = "";

    public override ValidationResult Validate() =>
        Channel.IndexOf(':', StringComparison.Ordinal) > 0 ? ValidationResult.Success() : ValidationResult.Error($"'{Channel}' is not a channel; write it as `optouts list` shows it, e.g. email:desk@example.com.");
}

/// <summary>`chipalerts optouts remove SUBSCRIBER CHANNEL`: the channel gets alerts again (a re-subscribed reader, a replaced chat webhook).</summary>
public sealed class OptOutsRemoveCommand(CliConsoles consoles) : ConfiguredCommand<OptOutsRemoveSettings>(consoles)
{
    protected override async Task<int> RunAsync(IServiceProvider services, LoadedConfig config, OptOutsRemoveSettings settings, CancellationToken cancellationToken)
    {
        var colon = settings.Channel.IndexOf(':', StringComparison.Ordinal);
        var channel = new ChannelAddress(settings.Channel[..colon], settings.Channel[(colon + 1)..]);
        if (await services.GetRequiredService<IOptOutStore>().RemoveOptOutAsync(settings.SubscriberId, channel, cancellationToken))
        {
            return Report(settings, ExitCodes.Ok, $"{settings.SubscriberId} · {channel} gets alerts again (from the next new item on).",
                new { settings.SubscriberId, Channel = channel.ToString(), Result = "removed" });
        }

        Errors.MarkupLineInterpolated($"[red]{settings.SubscriberId} · {channel} has not opted out[/]; see chipalerts optouts list.");
        return ExitCodes.Failed;
    }
}
