using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChipAlerts.Core.Tests.Support;

/// <summary>A real Kestrel server on 127.0.0.1 with an OS-chosen port; one handler per path; every request recorded.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, RequestDelegate> handlers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RequestDelegate> prefixes = new(StringComparer.Ordinal);

    private TestServer(WebApplication app) => this.app = app;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public Uri BaseUri { get; private set; } = null!;

    public static async Task<TestServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] }); // no watcher on the working folder
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MinResponseDataRate = null;
            k.Limits.MinRequestBodyDataRate = null; // a loaded machine's slow upload is not an attack here
        });
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new TestServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.BaseUri = new Uri(app.Urls.First());
        return server;
    }

    public Uri Url(string path) => new(BaseUri, path);

    public TestServer Map(string path, RequestDelegate handler)
    {
        handlers[path] = handler;
        return this;
    }

    /// <summary>A handler for every path under <paramref name="prefix"/> that has no handler of its own.</summary>
    public TestServer MapPrefix(string prefix, RequestDelegate handler)
    {
        prefixes[prefix] = handler;
        return this;
    }

    public TestServer MapText(string path, string body, string contentType = "application/rss+xml", int status = 200) =>
        Map(path, async context =>
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            await context.Response.WriteAsync(body);
        });

    /// <summary>Serves a feed with an ETag, answering 304 to a request that already has it.</summary>
    public TestServer MapFeed(string path, string body, string etag = "\"v1\"") =>
        Map(path, async context =>
        {
            if (context.Request.Headers.IfNoneMatch == etag)
            {
                context.Response.StatusCode = 304;
                return;
            }

            context.Response.Headers.ETag = etag;
            context.Response.ContentType = "application/rss+xml; charset=utf-8";
            await context.Response.WriteAsync(body);
        });

    public int CountRequests(string path) => Requests.Count(r => r.Path == path);

    private async Task HandleAsync(HttpContext context)
    {
        // A fresh connection per request: a client must not reuse one this server is closing (a test ends,
        // a handler aborts), which made a POST on a kept-alive connection fail now and then with "the response
        // ended prematurely". Connection reuse itself is measured in the benchmarks, against real servers.
        context.Response.Headers.Connection = "close";
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        Requests.Enqueue(new RecordedRequest(
            context.Request.Method,
            context.Request.Path.Value ?? "",
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body.ToArray()));
        body.Position = 0;
        context.Request.Body = body; // the handler reads it as sent
        var path = context.Request.Path.Value ?? "";
        if (handlers.TryGetValue(path, out var handler) || (handler = prefixes.FirstOrDefault(p => path.StartsWith(p.Key, StringComparison.Ordinal)).Value) is not null)
        {
            try
            {
                await handler(context);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                // The client hung up, as a client enforcing a cap or a deadline should.
            }
        }
        else
        {
            context.Response.StatusCode = 404;
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await app.StopAsync(timeout.Token);
        await app.DisposeAsync();
    }
}

public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);

    /// <summary>When the request had been read (a Stopwatch timestamp), to measure the gaps between requests.</summary>
    public long Timestamp { get; init; } = System.Diagnostics.Stopwatch.GetTimestamp();
}
