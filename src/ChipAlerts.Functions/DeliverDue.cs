using ChipAlerts.Core.Outbox;
using Microsoft.Azure.Functions.Worker;

namespace ChipAlerts.Functions;

/// <summary>
/// Every ChipAlerts:DeliverySchedule (every minute): the outbox's due-delivery pass, the same one the local
/// runner makes after each cycle. It sends retries when their time comes, digests on each subscriber's own
/// schedule, alerts held by quiet hours, and alerts that were stored but never queued.
/// </summary>
public sealed class DeliverDue(AlertOutbox outbox)
{
    [Function(nameof(DeliverDue))]
    public Task RunAsync([TimerTrigger("%ChipAlerts:DeliverySchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        outbox.DeliverDueAsync(cancellationToken);
}
