using ChipAlerts.Core.Pipeline;
using Microsoft.Azure.Functions.Worker;

namespace ChipAlerts.Functions;

/// <summary>One feed: lease, fetch, parse, ledger, match, route, outbox; one message per new alert.</summary>
public sealed class PollFeed(AlertPipeline pipeline)
{
    [Function(nameof(PollFeed))]
    [QueueOutput(Queues.Alerts)]
    public async Task<string[]> RunAsync([QueueTrigger(Queues.FeedsToPoll)] string message, CancellationToken cancellationToken)
    {
        var request = Queues.Read<PollFeedMessage>(message);
        var outcome = await pipeline.PollFeedAsync(request.FeedId, request.Force ? null : new PlannedVersion(request.StateVersion), cancellationToken);
        return [.. (outcome?.NewAlertIds ?? []).Select(Queues.DeliverAlert)];
    }
}
