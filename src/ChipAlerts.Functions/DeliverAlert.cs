using ChipAlerts.Core.Outbox;
using Microsoft.Azure.Functions.Worker;

namespace ChipAlerts.Functions;

/// <summary>
/// The fast path of a new alert: its lane's due alerts at once, rather than at the next
/// <see cref="DeliverDue"/> pass. It returns normally whether it sent, held (a digest, quiet hours, an older
/// alert of the destination in the way) or scheduled a retry: the outbox owns those, so the queue's own
/// retries never dead-letter an alert. Only a failure to reach the store throws (and the message is retried).
/// </summary>
public sealed class DeliverAlert(AlertOutbox outbox)
{
    [Function(nameof(DeliverAlert))]
    public Task RunAsync([QueueTrigger(Queues.Alerts)] string message, CancellationToken cancellationToken) =>
        outbox.DeliverLaneOfAsync(Queues.Read<DeliverAlertMessage>(message).AlertId, cancellationToken);
}
