using ChipAlerts.Core.Routing;
using ChipAlerts.Core.State;
using Microsoft.Extensions.Logging;

namespace ChipAlerts.Core.Delivery;

/// <summary>
/// The deliver stage: one alert or digest through its channel, inside its destination's and endpoint's
/// <see cref="DeliveryResilience"/> pipelines, and the channel's verdict back. Never to a channel that opted
/// out; a destination found gone is recorded as opted out. Decides nothing about what happens next: that
/// is the outbox's.
/// </summary>
public sealed partial class AlertSender(
    IOptOutStore optOuts,
    IEnumerable<IAlertChannel> channels,
    DeliveryResilience resilience,
    TimeProvider time,
    ILogger<AlertSender> logger)
{
    private readonly Dictionary<string, IAlertChannel> channelsByType = channels.ToDictionary(c => c.Type, StringComparer.Ordinal);

    /// <summary>The opt-outs as one pass sees them; a destination found gone during the pass is added.</summary>
    public async Task<OptOutSet> OptOutsAsync(CancellationToken cancellationToken) =>
        new(await optOuts.GetOptOutsAsync(cancellationToken));

    public Task<DeliveryResult> SendAsync(Alert alert, OptOutSet stopped, CancellationToken cancellationToken) =>
        SendAsync(alert, Prepare(alert), stopped, cancellationToken);

    /// <summary>
    /// Readies the alert's send ahead of its claim (<see cref="IAlertChannel.Prepare"/>: its message composed). A
    /// channel that cannot ready it fails the send the same way an escaped exception would.
    /// </summary>
    public PreparedSend Prepare(Alert alert)
    {
        if (!channelsByType.TryGetValue(alert.Channel.Type, out var channel))
        {
            return _ => Task.FromResult(NoChannel(alert.Channel));
        }

        try
        {
            return channel.Prepare(alert);
        }
        catch (Exception e)
        {
            var failed = Unexpected(e);
            return _ => Task.FromResult(failed);
        }
    }

    /// <summary>A send readied by <see cref="Prepare"/>, of <paramref name="alert"/>, to the same rules as any other.</summary>
    public Task<DeliveryResult> SendAsync(Alert alert, PreparedSend prepared, OptOutSet stopped, CancellationToken cancellationToken) =>
        SendAsync(alert.SubscriberId, alert.Channel, stopped, _ => prepared(cancellationToken), cancellationToken);

    public Task<DeliveryResult> SendDigestAsync(IReadOnlyList<Alert> alerts, OptOutSet stopped, CancellationToken cancellationToken) =>
        SendAsync(alerts[0].SubscriberId, alerts[0].Channel, stopped, channel => channel.SendDigestAsync(alerts, cancellationToken), cancellationToken);

    private async Task<DeliveryResult> SendAsync(
        string subscriberId, ChannelAddress address, OptOutSet stopped, Func<IAlertChannel, Task<DeliveryResult>> send, CancellationToken cancellationToken)
    {
        if (stopped.Find(subscriberId, address) is { } optOut)
        {
            return DeliveryResult.Permanent($"not sent: {optOut.Reason} ({optOut.At:yyyy-MM-dd HH:mm} UTC).");
        }

        if (!channelsByType.TryGetValue(address.Type, out var channel))
        {
            return NoChannel(address);
        }

        var result = await resilience.SendAsync(channel, address, _ => SendSafelyAsync(() => send(channel), cancellationToken), cancellationToken);
        if (result.DestinationGone)
        {
            var gone = new OptOut(subscriberId, address, result.Reason ?? "the destination is gone", time.GetUtcNow());
            stopped.Add(gone); // the rest of this pass sends it nothing either
            // Recorded whatever happens to the pass: the receiver said the destination is gone.
            if (await optOuts.AddOptOutAsync(gone, CancellationToken.None))
            {
                LogDisabled(subscriberId, address.Type, result.Reason);
            }
        }

        return result;
    }

    private static async Task<DeliveryResult> SendSafelyAsync(Func<Task<DeliveryResult>> send, CancellationToken cancellationToken)
    {
        try
        {
            return await send();
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Unexpected(e);
        }
    }

    /// <summary>A channel should classify its own failures; an escaped exception is treated as transient.</summary>
    private static DeliveryResult Unexpected(Exception e) => DeliveryResult.Retry($"unexpected {e.GetType().Name}: {e.Message}");

    private static DeliveryResult NoChannel(ChannelAddress address) => DeliveryResult.Permanent($"no channel of type '{address.Type}' is registered.");

    [LoggerMessage(Level = LogLevel.Error, Message = "Disabled the {Channel} channel of subscriber {SubscriberId}: {Reason}")]
    private partial void LogDisabled(string subscriberId, string channel, string? reason);
}

/// <summary>The channels that get nothing, as one delivery pass sees them (safe for its concurrent lanes).</summary>
public sealed class OptOutSet(IEnumerable<OptOut> optOuts)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, OptOut> byKey =
        new(optOuts.Select(o => KeyValuePair.Create(o.Key, o)), StringComparer.Ordinal);

    public OptOut? Find(string subscriberId, ChannelAddress channel) => byKey.GetValueOrDefault(OptOut.KeyOf(subscriberId, channel));

    public void Add(OptOut optOut) => byKey.TryAdd(optOut.Key, optOut);
}
