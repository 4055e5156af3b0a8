using ChipAlerts.Core.Pipeline;
using Microsoft.Azure.Functions.Worker;

namespace ChipAlerts.Functions;

/// <summary>On the schedule: one message per due feed, so instances fetch feeds in parallel.</summary>
public sealed class PollFeeds(AlertPipeline pipeline)
{
    [Function(nameof(PollFeeds))]
    [QueueOutput(Queues.FeedsToPoll)]
    public async Task<string[]> RunAsync([TimerTrigger("%ChipAlerts:PollSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        [.. (await pipeline.PlanAsync(cancellationToken)).Select(due => Queues.PollFeed(due.Feed.Id, due.State))];
}
