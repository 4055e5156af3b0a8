using ChipAlerts.Core.Pipeline;
using Microsoft.Azure.Functions.Worker;

namespace ChipAlerts.Functions;

/// <summary>
/// On the schedule: one message per due feed, so instances fetch feeds in parallel; then the WebSub subscriptions
/// (subscribe, renew, retry) when ChipAlerts:WebSub:CallbackUrl is set. Feeds a hub pushes are planned only as a safety net.
/// </summary>
public sealed class PollFeeds(AlertPipeline pipeline)
{
    [Function(nameof(PollFeeds))]
    [QueueOutput(Queues.FeedsToPoll)]
    public async Task<string[]> RunAsync([TimerTrigger("%ChipAlerts:PollSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var due = await pipeline.PlanAsync(cancellationToken);
        await pipeline.MaintainPushAsync(cancellationToken);
        return [.. due.Select(d => Queues.PollFeed(d.Feed.Id, d.State))];
    }
}
