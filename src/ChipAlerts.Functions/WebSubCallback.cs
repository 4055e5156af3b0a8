using ChipAlerts.Core.WebSub;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;

namespace ChipAlerts.Functions;

/// <summary>
/// /api/websub/{token}, anonymous (a hub cannot send a function key; the token names the subscription and the
/// secret's signature proves the content): GET is a hub's verification of intent or denial, POST is content, read
/// through the pipeline like a poll; one message per new alert, as PollFeed.
/// </summary>
public sealed class WebSubCallbackFunction(WebSubCallback callback)
{
    [Function("WebSubCallback")]
    public async Task<WebSubCallbackOutput> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = "websub/{token}")] HttpRequestData request, string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        WebSubAnswer answer;
        if (request.Method.Equals("POST", StringComparison.OrdinalIgnoreCase))
        {
            var signature = request.Headers.TryGetValues("X-Hub-Signature", out var signatures) ? signatures.FirstOrDefault() : null;
            var contentType = request.Headers.TryGetValues("Content-Type", out var types) ? types.FirstOrDefault() : null;
            answer = await callback.ReceiveAsync(token, signature, contentType, request.Body, cancellationToken);
        }
        else
        {
            var query = System.Web.HttpUtility.ParseQueryString(request.Url.Query);
            answer = await callback.VerifyAsync(token, key => query[key], cancellationToken);
        }

        var response = request.CreateResponse((System.Net.HttpStatusCode)answer.Status);
        response.Headers.Add("Content-Type", "text/plain; charset=utf-8");
        await response.WriteStringAsync(answer.Body, cancellationToken: cancellationToken);
        return new WebSubCallbackOutput { Messages = [.. answer.AlertIds.Select(Queues.DeliverAlert)], Response = response };
    }
}

public sealed class WebSubCallbackOutput
{
    [QueueOutput(Queues.Alerts)]
    public required string[] Messages { get; init; }

    public required HttpResponseData Response { get; init; }
}
