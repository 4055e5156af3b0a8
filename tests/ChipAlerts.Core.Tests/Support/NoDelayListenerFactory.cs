using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Net;

namespace ChipAlerts.Core.Tests.Support;

/// <summary>
/// The SmtpServer package's listener with Nagle's algorithm off on each accepted connection, as real mail
/// servers have it. With it on, each reply waits out the client's delayed ACK (about 40 ms on Linux), so a
/// test server accepts no more than about 22 messages a second whatever the client does.
/// </summary>
public sealed class NoDelayListenerFactory : IEndpointListenerFactory
{
    public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition)
    {
        var listener = new TcpListener(endpointDefinition.Endpoint);
        listener.Start();
        return new Listener(listener);
    }

    private sealed class Listener(TcpListener listener) : IEndpointListener
    {
        public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
        {
            var client = await listener.AcceptTcpClientAsync(cancellationToken);
            client.NoDelay = true;
            return new Pipe(client);
        }

        public void Dispose() => listener.Stop();
    }

    private sealed class Pipe : ISecurableDuplexPipe
    {
        private readonly TcpClient client;
        private Stream stream;

        public Pipe(TcpClient client)
        {
            this.client = client;
            stream = client.GetStream();
            Input = PipeReader.Create(stream);
            Output = PipeWriter.Create(stream);
        }

        public PipeReader Input { get; private set; }

        public PipeWriter Output { get; private set; }

        public bool IsSecure => stream is SslStream;

        public SslProtocols SslProtocol => (stream as SslStream)?.SslProtocol ?? SslProtocols.None;

        public async Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default)
        {
            var ssl = new SslStream(stream, leaveInnerStreamOpen: true);
            await ssl.AuthenticateAsServerAsync(certificate, clientCertificateRequired: false, protocols, checkCertificateRevocation: false);
            stream = ssl;
            Input = PipeReader.Create(stream);
            Output = PipeWriter.Create(stream);
        }

        public void Dispose()
        {
            stream.Dispose();
            client.Dispose();
        }
    }
}
