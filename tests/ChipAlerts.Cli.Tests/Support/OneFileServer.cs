using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ChipAlerts.Cli.Tests.Support;

/// <summary>
/// A real HTTP/1.1 server on 127.0.0.1, port 0, answering every request with one body. Plain sockets:
/// the CLI test project stays on the base framework, as the `chipalerts` it starts as a child process is.
/// </summary>
public sealed class OneFileServer : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly byte[] body;
    private readonly string contentType;

    private OneFileServer(byte[] body, string contentType)
    {
        this.body = body;
        this.contentType = contentType;
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/";

    /// <summary>The request line of the last request.</summary>
    public string? RequestLine { get; private set; }

    public static OneFileServer Start(byte[] body, string contentType)
    {
        var server = new OneFileServer(body, contentType);
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
                while (!string.IsNullOrEmpty(await reader.ReadLineAsync()))
                {
                }

                var head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(head);
                await stream.WriteAsync(body);
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            // Stopped.
        }
    }

    public void Dispose() => listener.Stop();
}
