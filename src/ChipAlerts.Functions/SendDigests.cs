using ChipAlerts.Core.Delivery;
using Microsoft.Azure.Functions.Worker;

namespace ChipAlerts.Functions;

/// <summary>
/// Every ChipAlerts:DigestSchedule (e.g. every 5 minutes): the digests that are due by each subscriber's
/// own digestSchedule and time zone, one message per channel.
/// </summary>
public sealed class SendDigests(AlertDispatcher dispatcher)
{
    [Function(nameof(SendDigests))]
    public Task RunAsync([TimerTrigger("%ChipAlerts:DigestSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        dispatcher.SendDigestsAsync(dueOnly: true, cancellationToken);
}
