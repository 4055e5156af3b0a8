using System.Net;
using Azure.Storage.Queues;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Delivery;
using ChipAlerts.Core.Pipeline;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;

namespace ChipAlerts.Functions;

/// <summary>
/// GET /api/health, anonymous: whether the store answers, and counts (feeds by status, alerts by state,
/// queue depths) for a probe. GET /api/health/details (function key): each feed's url, last poll and error.
/// </summary>
public sealed class Health(StatusReporter reporter, QueueServiceClient queues)
{
    [Function(nameof(Health))]
    public async Task<HttpResponseData> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequestData request, CancellationToken cancellationToken)
    {
        var report = await reporter.GetAsync(cancellationToken);
        var feeds = report.Feeds.GroupBy(f => f.Status).ToDictionary(g => g.Key, g => g.Count());
        return await RespondAsync(request, report, new { report.StoreReachable, Feeds = feeds, report.Alerts, Queues = await DepthsAsync(cancellationToken) }, cancellationToken);
    }

    [Function("HealthDetails")]
    public async Task<HttpResponseData> DetailsAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "health/details")] HttpRequestData request, CancellationToken cancellationToken)
    {
        var report = await reporter.GetAsync(cancellationToken);
        return await RespondAsync(request, report, new { report.StoreReachable, report.StoreError, report.Feeds, report.Alerts, Queues = await DepthsAsync(cancellationToken) }, cancellationToken);
    }

    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // feed names in any script, as written
    };

    private static async Task<HttpResponseData> RespondAsync(HttpRequestData request, StatusReport report, object body, CancellationToken cancellationToken)
    {
        var response = request.CreateResponse(report.StoreReachable ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable);
        response.Headers.Add("Content-Type", "application/json; charset=utf-8");
        response.Headers.Add("Cache-Control", "no-store");
        await response.WriteStringAsync(System.Text.Json.JsonSerializer.Serialize(body, Json), cancellationToken: cancellationToken);
        return response;
    }

    /// <summary>Messages waiting in each queue; a queue not made yet (a fresh account) holds none.</summary>
    private async Task<Dictionary<string, int>> DepthsAsync(CancellationToken cancellationToken)
    {
        var depths = new Dictionary<string, int>();
        foreach (var name in Queues.All)
        {
            try
            {
                depths[name] = (await queues.GetQueueClient(name).GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
            }
            catch (global::Azure.RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
            {
                depths[name] = 0;
            }
        }

        return depths;
    }
}

/// <summary>POST /api/poll (function key): queues every feed for polling now.</summary>
public sealed class PollNow(LoadedConfig config)
{
    [Function(nameof(PollNow))]
    public PollNowOutput Run([HttpTrigger(AuthorizationLevel.Function, "post", Route = "poll")] HttpRequestData request)
    {
        var response = request.CreateResponse(HttpStatusCode.Accepted);
        return new PollNowOutput { Messages = [.. config.Config.Feeds.Select(f => Queues.PollFeed(f.Id, seen: null, force: true))], Response = response };
    }
}

public sealed class PollNowOutput
{
    [QueueOutput(Queues.FeedsToPoll)]
    public required string[] Messages { get; init; }

    public required HttpResponseData Response { get; init; }
}

/// <summary>
/// /api/unsubscribe?token=…: the target of every email's List-Unsubscribe header and footer link. A POST
/// unsubscribes: the mail client's one-click (RFC 8058, body "List-Unsubscribe=One-Click") or the button
/// of the page a GET shows. A GET changes nothing, so link scanners cannot unsubscribe anyone.
/// </summary>
public sealed class Unsubscribe(Unsubscribes unsubscribes)
{
    [Function(nameof(Unsubscribe))]
    public async Task<HttpResponseData> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = "unsubscribe")] HttpRequestData request, CancellationToken cancellationToken)
    {
        var token = System.Web.HttpUtility.ParseQueryString(request.Url.Query)["token"];
        if (request.Method.Equals("POST", StringComparison.OrdinalIgnoreCase))
        {
            // One-click posts to the URL (the token is in its query); the page's form posts it in the body.
            using var reader = new StreamReader(request.Body);
            var form = System.Web.HttpUtility.ParseQueryString(await reader.ReadToEndAsync(cancellationToken));
            var (outcome, _) = await unsubscribes.UnsubscribeAsync(token ?? form["token"] ?? "", cancellationToken);
            return await PageAsync(request, outcome == UnsubscribeOutcome.InvalidToken ? HttpStatusCode.BadRequest : HttpStatusCode.OK, Unsubscribes.ResultPage(outcome), cancellationToken);
        }

        return token is not null && unsubscribes.TryRead(token, out _, out _)
            ? await PageAsync(request, HttpStatusCode.OK, Unsubscribes.ConfirmPage(token), cancellationToken)
            : await PageAsync(request, HttpStatusCode.BadRequest, Unsubscribes.ResultPage(UnsubscribeOutcome.InvalidToken), cancellationToken);
    }

    private static async Task<HttpResponseData> PageAsync(HttpRequestData request, HttpStatusCode status, string html, CancellationToken cancellationToken)
    {
        var response = request.CreateResponse(status);
        response.Headers.Add("Content-Type", "text/html; charset=utf-8");
        response.Headers.Add("Cache-Control", "no-store");
        await response.WriteStringAsync(html, cancellationToken: cancellationToken);
        return response;
    }
}
