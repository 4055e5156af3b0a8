using ChipAlerts.Core.Delivery;
using Microsoft.Azure.Functions.Worker;

namespace ChipAlerts.Functions;

/// <summary>
/// One alert through its channel. A transient failure throws, so the queue retries the message; after
/// the host's maxDequeueCount it lands in alerts-poison, where <see cref="DeadLetterAlert"/> records it.
/// </summary>
public sealed class DeliverAlert(AlertDispatcher dispatcher)
{
    [Function(nameof(DeliverAlert))]
    public async Task RunAsync([QueueTrigger(Queues.Alerts)] string message, CancellationToken cancellationToken)
    {
        var alertId = Queues.Read<DeliverAlertMessage>(message).AlertId;
        if (await dispatcher.DeliverAsync(alertId, cancellationToken) == AttemptResult.Retrying)
        {
            throw new DeliveryFailedException($"Alert {alertId} failed transiently; the queue will retry it.");
        }
    }
}

/// <summary>Marks an alert whose message exhausted its retries as failed, with its last error.</summary>
public sealed class DeadLetterAlert(AlertDispatcher dispatcher)
{
    [Function(nameof(DeadLetterAlert))]
    public Task RunAsync([QueueTrigger(Queues.AlertsPoison)] string message, CancellationToken cancellationToken) =>
        dispatcher.DeadLetterAsync(Queues.Read<DeliverAlertMessage>(message).AlertId, cancellationToken);
}

public sealed class DeliveryFailedException(string message) : Exception(message);
