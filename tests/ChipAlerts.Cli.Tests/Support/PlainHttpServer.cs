using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ChipAlerts.Cli.Tests.Support;

/// <summary>
/// A real HTTP/1.1 server on 127.0.0.1, port 0, answering GETs from a fixed set of files (or one file for
/// every path). Plain sockets: the CLI test project stays on the base framework, as the `chipalerts` it
/// starts as a child process is.
/// </summary>
public sealed class PlainHttpServer : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly Func<string, (byte[] Body, string ContentType)?> files;

    private PlainHttpServer(Func<string, (byte[] Body, string ContentType)?> files) => this.files = files;

    public string Url => $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/";

    /// <summary>The request line of the last request.</summary>
    public string? RequestLine { get; private set; }

    public ConcurrentQueue<string> RequestLines { get; } = new();

    /// <summary>One body for every path.</summary>
    public static PlainHttpServer Start(byte[] body, string contentType) => Start(_ => (body, contentType));

    /// <summary>A body per path ("/news/"); other paths get 404.</summary>
    public static PlainHttpServer Start(IReadOnlyDictionary<string, (string Body, string ContentType)> files) =>
        Start(path => files.TryGetValue(path, out var file) ? (Encoding.UTF8.GetBytes(file.Body), file.ContentType) : null);

    /// <summary>What <paramref name="files"/> answers for a path at the time of each request; null: 404.</summary>
    public static PlainHttpServer Start(Func<string, (byte[] Body, string ContentType)?> files)
    {
        var server = new PlainHttpServer(files);
        server.listener.Start();
        _ = server.ServeAsync();
        return server;
    }

    private async Task ServeAsync()
    {
        try
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync();
                await using var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                RequestLine = await reader.ReadLineAsync();
                RequestLines.Enqueue(RequestLine ?? "");
                while (!string.IsNullOrEmpty(await reader.ReadLineAsync()))
                {
                }

                var path = RequestLine?.Split(' ') is [_, var target, ..] ? target : "/";
                var (status, body, contentType) = files(path) is { } file ? ("200 OK", file.Body, file.ContentType) : ("404 Not Found", [], "text/plain");
                var head = Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(head);
                await stream.WriteAsync(body);
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException or IOException)
        {
            // Stopped.
        }
    }

    public void Dispose() => listener.Stop();
}
