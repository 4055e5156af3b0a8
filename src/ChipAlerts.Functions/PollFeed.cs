using ChipAlerts.Core.Pipeline;
using Microsoft.Azure.Functions.Worker;

namespace ChipAlerts.Functions;

/// <summary>One feed: fetch, parse, ledger, match, route, outbox; one message per new alert.</summary>
public sealed class PollFeed(AlertPipeline pipeline)
{
    [Function(nameof(PollFeed))]
    [QueueOutput(Queues.Alerts)]
    public async Task<string[]> RunAsync([QueueTrigger(Queues.FeedsToPoll)] string message, CancellationToken cancellationToken)
    {
        var outcome = await pipeline.PollFeedAsync(Queues.Read<PollFeedMessage>(message).FeedId, cancellationToken);
        return [.. (outcome?.NewAlertIds ?? []).Select(Queues.DeliverAlert)];
    }
}
