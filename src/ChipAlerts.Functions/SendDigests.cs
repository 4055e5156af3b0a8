using ChipAlerts.Core.Delivery;
using Microsoft.Azure.Functions.Worker;

namespace ChipAlerts.Functions;

/// <summary>On the digest schedule: each digest subscriber's held alerts, one message per channel.</summary>
public sealed class SendDigests(AlertDispatcher dispatcher)
{
    [Function(nameof(SendDigests))]
    public Task RunAsync([TimerTrigger("%ChipAlerts:DigestSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        dispatcher.SendDigestsAsync(cancellationToken);
}
