using System.Net;
using Azure.Storage.Queues;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Pipeline;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;

namespace ChipAlerts.Functions;

/// <summary>GET /api/health: store reachable, each feed's last poll and status, queue depths, dead letters.</summary>
public sealed class Health(StatusReporter reporter, QueueServiceClient queues)
{
    [Function(nameof(Health))]
    public async Task<HttpResponseData> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequestData request, CancellationToken cancellationToken)
    {
        var report = await reporter.GetAsync(cancellationToken);
        var depths = new Dictionary<string, int?>();
        foreach (var name in (string[])[Queues.FeedsToPoll, Queues.Alerts, Queues.AlertsPoison])
        {
            var properties = await queues.GetQueueClient(name).GetPropertiesAsync(cancellationToken);
            depths[name] = properties.Value.ApproximateMessagesCount;
        }

        var response = request.CreateResponse(report.StoreReachable ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable);
        await response.WriteAsJsonAsync(new { report.StoreReachable, report.StoreError, report.Feeds, report.Alerts, Queues = depths, DeadLetters = report.Alerts?.Dead }, cancellationToken);
        return response;
    }
}

/// <summary>POST /api/poll (function key): queues every feed for polling now.</summary>
public sealed class PollNow(LoadedConfig config)
{
    [Function(nameof(PollNow))]
    public PollNowOutput Run([HttpTrigger(AuthorizationLevel.Function, "post", Route = "poll")] HttpRequestData request)
    {
        var response = request.CreateResponse(HttpStatusCode.Accepted);
        return new PollNowOutput { Messages = [.. config.Config.Feeds.Select(f => Queues.PollFeed(f.Id))], Response = response };
    }
}

public sealed class PollNowOutput
{
    [QueueOutput(Queues.FeedsToPoll)]
    public required string[] Messages { get; init; }

    public required HttpResponseData Response { get; init; }
}
