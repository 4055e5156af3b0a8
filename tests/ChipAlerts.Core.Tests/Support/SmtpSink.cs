using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
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

    private readonly SemaphoreSlim arrived = new(0);

    /// <summary>Waits until <paramref name="count"/> more messages have arrived; the time limit only turns a hang into a failure.</summary>
    public async Task WaitForMessagesAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (!await arrived.WaitAsync(TimeSpan.FromSeconds(60)))
            {
                throw new TimeoutException($"{i} of {count} messages arrived within 60 s.");
            }
        }
    }

    public int Port { get; private set; }

    /// <summary>Awaited before each message is answered: a test holds messages with it (null: none held).</summary>
    public Func<Task>? Holding { get; set; }

    /// <summary>Null accepts the message; otherwise the reply code to answer with.</summary>
    public Func<SmtpReplyCode?> Reply { get; set; } = () => null;

    /// <summary>Messages offered (DATA), whatever the scripted reply was.</summary>
    public int Attempts => attempts;

    private int attempts;

    /// <summary>SMTP sessions (connections) the server has accepted.</summary>
    public int Sessions => sessions;

    private int sessions;
    private int disposed;

    /// <summary>Messages that arrived over TLS (STARTTLS or implicit).</summary>
    public int SecureMessages => secureMessages;

    private int secureMessages;

    /// <summary>
    /// With <paramref name="password"/>, the server requires AUTH (PLAIN/LOGIN) as user "alerts" with that
    /// password. With <paramref name="certificate"/>, it offers STARTTLS, or with <paramref name="implicitTls"/>
    /// speaks TLS from the first byte (port 465 style).
    /// </summary>
    public static async Task<SmtpSink> StartAsync(int? port = null, string? password = null, X509Certificate2? certificate = null, bool implicitTls = false)
    {
        var sink = new SmtpSink { Port = port ?? FreePort() };
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(e =>
            {
                e.Endpoint(new IPEndPoint(IPAddress.Loopback, sink.Port))
                    .AllowUnsecureAuthentication(password is not null)
                    .AuthenticationRequired(password is not null);
                if (certificate is not null)
                {
                    e.Certificate(certificate).IsSecure(implicitTls);
                }
            })
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
            if (sink.Holding is { } holding)
            {
                await holding();
            }

            if (context.Pipe.IsSecure)
            {
                Interlocked.Increment(ref sink.secureMessages);
            }

            if (sink.Reply() is { } code)
            {
                return new SmtpResponse(code, $"scripted {(int)code}");
            }

            using var stream = new MemoryStream(buffer.ToArray());
            sink.Messages.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            sink.arrived.Release();
            return SmtpResponse.Ok;
        }
    }
}

/// <summary>A self-signed certificate for "localhost" and 127.0.0.1, for test servers that speak TLS.</summary>
public static class TestCertificates
{
    public static X509Certificate2 Localhost()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(TimeProvider.System.GetUtcNow().AddDays(-1), TimeProvider.System.GetUtcNow().AddDays(1));
        // Through PKCS#12, so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }
}
