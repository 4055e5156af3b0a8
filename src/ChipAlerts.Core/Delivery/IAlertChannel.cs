using ChipAlerts.Core.Routing;

namespace ChipAlerts.Core.Delivery;

/// <summary>
/// One way of delivering alerts. A channel sends once and tells the truth about the outcome; it never
/// loops. Retries belong to <see cref="Outbox.AlertOutbox"/> (the schedule) and <see cref="DeliveryResilience"/> (quick retries within a pass). Adding a channel is a folder and one
/// registration line in AddChipAlerts.
/// </summary>
public interface IAlertChannel
{
    /// <summary>The <see cref="ChannelAddress.Type"/> this channel handles ("email", "webhook").</summary>
    string Type { get; }

    Task<DeliveryResult> SendAsync(Alert alert, CancellationToken cancellationToken);

    /// <summary>
    /// Readies the alert's send: the work that needs neither a claim nor a connection (composing the message),
    /// done now, so that a lane can do it for its next alert while the one ahead of it is on the wire. The send
    /// returned does the rest, and sends again when called again (a retry). By default nothing is done ahead.
    /// </summary>
    PreparedSend Prepare(Alert alert) => cancellationToken => SendAsync(alert, cancellationToken);

    /// <summary>Sends several alerts of one subscriber and channel as one message.</summary>
    Task<DeliveryResult> SendDigestAsync(IReadOnlyList<Alert> alerts, CancellationToken cancellationToken);

    /// <summary>
    /// The server behind <paramref name="address"/>, shared by the addresses it serves (the SMTP relay, a
    /// webhook host): when it fails, its circuit opens for all of them. Never a secret; it may be logged.
    /// </summary>
    string EndpointOf(ChannelAddress address) => address.Type;
}

/// <summary>A send readied by <see cref="IAlertChannel.Prepare"/>.</summary>
public delegate Task<DeliveryResult> PreparedSend(CancellationToken cancellationToken);
