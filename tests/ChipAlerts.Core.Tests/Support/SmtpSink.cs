using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace ChipAlerts.Core.Tests.Support;

/// <summary>
/// A real SMTP server in-process (the SmtpServer package) on a free loopback port. It keeps every message
/// it accepts; <see cref="Reply"/> scripts the answer to the next DATA (e.g. 451 or 550).
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private Task running = Task.CompletedTask;

    public ConcurrentQueue<MimeMessage> Messages { get; } = new();

    public int Port { get; private set; }

    /// <summary>Null accepts the message; otherwise the reply code to answer with.</summary>
    public Func<SmtpReplyCode?> Reply { get; set; } = () => null;

    /// <summary>Messages offered (DATA), whatever the scripted reply was.</summary>
    public int Attempts => attempts;

    private int attempts;

    /// <summary>SMTP sessions (connections) the server has accepted.</summary>
    public int Sessions => sessions;

    private int sessions;
    private int disposed;

    /// <summary>With <paramref name="password"/>, the server requires AUTH (PLAIN/LOGIN) as user "alerts" with that password.</summary>
    public static async Task<SmtpSink> StartAsync(int? port = null, string? password = null)
    {
        var sink = new SmtpSink { Port = port ?? FreePort() };
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(e => e
                .Endpoint(new IPEndPoint(IPAddress.Loopback, sink.Port))
                .AllowUnsecureAuthentication(password is not null)
                .AuthenticationRequired(password is not null))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(sink));
        services.Add(new NoDelayListenerFactory());
        if (password is not null)
        {
            services.Add(new Authenticator(password));
        }

        var server = new SmtpServer.SmtpServer(options, services);
        server.SessionCreated += (_, _) => Interlocked.Increment(ref sink.sessions);
        sink.running = server.StartAsync(sink.stop.Token);
        await WaitUntilListeningAsync(sink.Port);
        return sink;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitUntilListeningAsync(int port)
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(20);
            }
        }

        throw new InvalidOperationException($"SMTP test server did not listen on {port}.");
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return; // a test that stopped the server early
        }

        await stop.CancelAsync();
        try
        {
            await running.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (OperationCanceledException)
        {
        }

        stop.Dispose();
    }

    private sealed class Authenticator(string password) : UserAuthenticator
    {
        public override Task<bool> AuthenticateAsync(ISessionContext context, string user, string password2, CancellationToken cancellationToken) =>
            Task.FromResult(user == "alerts" && password2 == password);
    }

    private sealed class Store(SmtpSink sink) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref sink.attempts);
            if (sink.Reply() is { } code)
            {
                return new SmtpResponse(code, $"scripted {(int)code}");
            }

            using var stream = new MemoryStream(buffer.ToArray());
            sink.Messages.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            return SmtpResponse.Ok;
        }
    }
}
