using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.WebSub;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChipAlerts.Cli;

/// <summary>
/// `run`'s listener for WebSub hubs (Kestrel on ChipAlerts:WebSub:ListenUrl): a GET is a hub's verification of intent,
/// a POST is content, read through the pipeline and handed to delivery once the hub has its answer. The subscription's
/// token is the last segment of the path, so a reverse proxy may serve it under any prefix.
/// </summary>
internal sealed partial class WebSubListener : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly CancellationTokenSource stopping = new();

    private WebSubListener(WebApplication app) => this.app = app;

    /// <summary>Where it listens, as bound (port 0 resolved).</summary>
    public IReadOnlyList<string> Urls => [.. app.Urls];

    public static async Task<WebSubListener> StartAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<IOptions<WebSubOptions>>().Value;
        var callback = services.GetRequiredService<WebSubCallback>();
        var outbox = services.GetRequiredService<AlertOutbox>();
        var logger = services.GetRequiredService<ILogger<WebSubListener>>();
        // Nothing reads appsettings.json here: no watcher on the working folder for it (inotify, as in CliHost).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders(); // our own log lines say what happened; Kestrel's would repeat them
        builder.WebHost.UseUrls(options.ListenUrl);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = services.GetRequiredService<IOptions<FetchOptions>>().Value.MaxBytes);
        var app = builder.Build();
        var listener = new WebSubListener(app);
        app.Run(async context =>
        {
            var token = context.Request.Path.Value?.TrimEnd('/').Split('/')[^1] ?? "";
            WebSubAnswer answer;
            try
            {
                answer = HttpMethods.IsPost(context.Request.Method)
                    ? await callback.ReceiveAsync(token, context.Request.Headers["X-Hub-Signature"].FirstOrDefault(), context.Request.ContentType, context.Request.Body, context.RequestAborted)
                    : HttpMethods.IsGet(context.Request.Method)
                        ? await callback.VerifyAsync(token, key => context.Request.Query[key].FirstOrDefault(), context.RequestAborted)
                        : WebSubAnswer.Of(StatusCodes.Status405MethodNotAllowed, "GET or POST");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A 5xx makes the hub deliver again later; nothing it sent is lost.
                LogFailed(logger, e);
                answer = WebSubAnswer.Of(StatusCodes.Status500InternalServerError, "could not be stored; deliver again");
            }

            context.Response.StatusCode = answer.Status;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(answer.Body, context.RequestAborted);
            await context.Response.CompleteAsync();
            if (answer.AlertIds.Count > 0)
            {
                // The hub has its answer; the alerts go out now, in their lanes (the due pass would send them anyway).
                try
                {
                    await outbox.DeliverLanesOfAsync(answer.AlertIds, listener.stopping.Token);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogDeliveryFailed(logger, answer.AlertIds.Count, e);
                }
            }
        });
        await app.StartAsync(cancellationToken);
        return listener;
    }

    public async ValueTask DisposeAsync()
    {
        // Stop taking calls; sends in flight finish as the outbox's stop allows.
        await stopping.CancelAsync();
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
        stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A WebSub call could not be handled; the hub was answered 500 and will deliver again.")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivering {Count} pushed alert(s) failed; they wait in the outbox for the next delivery pass.")]
    private static partial void LogDeliveryFailed(ILogger logger, int count, Exception exception);
}
