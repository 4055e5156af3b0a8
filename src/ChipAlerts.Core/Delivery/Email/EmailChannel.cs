using System.Net.Sockets;
using System.Security.Cryptography;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Routing;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.IO;
using MimeKit.IO.Filters;

namespace ChipAlerts.Core.Delivery.Email;

/// <summary>
/// Sends alert emails by SMTP (MailKit) when <c>email.smtp</c> is configured; otherwise writes them as
/// .eml files into the pickup folder &lt;outbox&gt;/mail, named by AlertId so a resend replaces, not adds.
/// </summary>
public sealed class EmailChannel(LoadedConfig config, IConfiguration settings, IOptions<ChipAlertsOptions> paths, IOptions<DeliveryOptions> delivery, Unsubscribes unsubscribes, Routing.AlertRouter router, TimeProvider time) : IAlertChannel, IDisposable
{
    /// <summary>How long an idle connection is kept for the next send; servers close idle ones after minutes.</summary>
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(30);

    /// <summary>One send at a time per connection, at most SmtpConnections connections.</summary>
    private readonly SemaphoreSlim slots = new(Math.Min(delivery.Value.SmtpConnections, delivery.Value.Concurrency));

    /// <summary>Connections between sends, the most recently used on top (so a quiet period lets the others expire).</summary>
    private readonly System.Collections.Concurrent.ConcurrentStack<(SmtpClient Client, DateTimeOffset LastUsed)> idle = new();
    private int connectionsOpened;
    private int messagesSent;

    public string Type => ChannelConfig.EmailType;

    public string PickupFolder { get; } = Path.GetFullPath(Path.Combine(paths.Value.OutboxPath, "mail"));

    /// <summary>The SMTP relay every email goes through, or the pickup folder.</summary>
    public string EndpointOf(ChannelAddress address) =>
        config.Config.Email?.Smtp is { } smtp ? $"smtp://{smtp.Host}:{smtp.Port}" : "pickup folder";

    public async Task<DeliveryResult> SendAsync(Alert alert, CancellationToken cancellationToken) => await Prepare(alert)(cancellationToken);

    /// <summary>The message composed and encoded now; the send takes a connection and sends it.</summary>
    public PreparedSend Prepare(Alert alert) =>
        Prepare(from => AlertEmail.Compose(alert, from, time.GetUtcNow(), unsubscribes.LinkFor(alert.SubscriberId, alert.Channel), router.ClockOf(alert.SubscriberId)?.Zone, unsubscribes.MailtoFor(alert.SubscriberId, alert.Channel)), alert.AlertId);

    public async Task<DeliveryResult> SendDigestAsync(IReadOnlyList<Alert> alerts, CancellationToken cancellationToken)
    {
        var digestId = Alert.DigestIdOf(alerts);
        var unsubscribe = unsubscribes.LinkFor(alerts[0].SubscriberId, alerts[0].Channel);
        var listOrder = config.Config.WatchLists.Select(l => l.Name).ToList();
        return await Prepare(from => AlertEmail.ComposeDigest(alerts, digestId, from, time.GetUtcNow(), listOrder, unsubscribe, unsubscribes.MailtoFor(alerts[0].SubscriberId, alerts[0].Channel)), "digest-" + digestId)(cancellationToken);
    }

    private PreparedSend Prepare(Func<MailboxAddress, MimeMessage> compose, string name)
    {
        if (config.Config.Email is not { } email)
        {
            return _ => Task.FromResult(DeliveryResult.Permanent("no \"email\" section in the configuration."));
        }

        var message = Encoded(compose(MailboxAddress.Parse(email.From)));
        return email.Smtp is { } smtp
            ? cancellationToken => SendSmtpAsync(message, smtp, cancellationToken)
            : cancellationToken => WritePickupAsync(message, name, cancellationToken);
    }

    /// <summary>
    /// The message as a relay gets it, encoded once: every part 7-bit with its Content-Transfer-Encoding
    /// (quoted-printable or base64, so any mail client opens it) and its content held encoded. MailKit writes a
    /// message twice (to measure it for SIZE, then to the server), and a retry writes it again: each copies
    /// bytes instead of encoding the parts anew (MimeKit writes content as is when it is held in the part's own
    /// encoding). The bytes written are the same.
    /// </summary>
    internal static MimeMessage Encoded(MimeMessage message)
    {
        message.Prepare(EncodingConstraint.SevenBit);
        foreach (var part in message.BodyParts.OfType<MimePart>())
        {
            if (part.Content is { } content && part.ContentTransferEncoding is ContentEncoding.QuotedPrintable or ContentEncoding.Base64 && content.Encoding != part.ContentTransferEncoding)
            {
                var encoded = new MemoryStream();
                using (var encoder = new FilteredStream(encoded))
                {
                    encoder.Add(EncoderFilter.Create(part.ContentTransferEncoding));
                    content.DecodeTo(encoder);
                    encoder.Flush();
                }

                encoded.Position = 0;
                part.Content = new MimeContent(encoded, part.ContentTransferEncoding);
            }
        }

        return message;
    }

    private async Task<DeliveryResult> WritePickupAsync(MimeMessage message, string name, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(PickupFolder);
        var path = Path.Combine(PickupFolder, name + ".eml");
        var temporary = path + ".tmp";
        // Written whole, then renamed: a reader of the folder never sees half a message.
        await message.WriteToAsync(temporary, cancellationToken);
        File.Move(temporary, path, overwrite: true);
        return DeliveryResult.Delivered;
    }

    /// <summary>
    /// Sends over a kept SMTP connection (a delivery pass of many alerts pays for one connect, TLS handshake and
    /// login per connection), at most SmtpConnections at once; a connection is dropped after any error. A kept
    /// connection the server has closed meanwhile is replaced once, at no cost to the alert.
    /// </summary>
    private async Task<DeliveryResult> SendSmtpAsync(MimeMessage message, SmtpConfig smtp, CancellationToken cancellationToken)
    {
        await slots.WaitAsync(cancellationToken);
        try
        {
            var kept = TakeIdle();
            var (result, client, lost) = await TrySendAsync(message, smtp, kept, cancellationToken);
            if (lost)
            {
                (result, client, _) = await TrySendAsync(message, smtp, null, cancellationToken);
            }

            if (client is not null)
            {
                idle.Push((client, time.GetUtcNow()));
            }

            return result;
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>A kept connection still fresh and connected; the stale ones met on the way are closed.</summary>
    private SmtpClient? TakeIdle()
    {
        while (idle.TryPop(out var kept))
        {
            if (kept.Client.IsConnected && time.GetUtcNow() - kept.LastUsed < KeepAlive)
            {
                return kept.Client;
            }

            kept.Client.Dispose();
        }

        return null;
    }

    /// <summary>
    /// Sends on <paramref name="kept"/>, or on a new connection. The connection to keep (null when it was dropped),
    /// and whether it was a kept one the server had closed: worth one more try on a new connection.
    /// </summary>
    private async Task<(DeliveryResult Result, SmtpClient? Client, bool KeptWasLost)> TrySendAsync(MimeMessage message, SmtpConfig smtp, SmtpClient? kept, CancellationToken cancellationToken)
    {
        var client = kept;
        try
        {
            client ??= await ConnectAsync(smtp, cancellationToken);
            await client.SendAsync(message, cancellationToken);
            Interlocked.Increment(ref messagesSent);
            return (DeliveryResult.Delivered, client, false);
        }
        catch (Exception e) when (Classify(e, smtp) is { } result)
        {
            client?.Dispose();
            return (result, null, kept is not null && e is IOException or SocketException or ServiceNotConnectedException or SmtpProtocolException);
        }
    }

    private async Task<SmtpClient> ConnectAsync(SmtpConfig smtp, CancellationToken cancellationToken)
    {
        var fresh = new SmtpClient();
        try
        {
            var security = smtp.Security switch
            {
                "SslOnConnect" => SecureSocketOptions.SslOnConnect,
                "None" => SecureSocketOptions.None,
                _ => SecureSocketOptions.StartTls, // never Auto: it silently falls back to plaintext
            };
            if (smtp.CertificateThumbprint is { } pinned && NormalizeThumbprint(pinned) is { } pin)
            {
                fresh.ServerCertificateValidationCallback = (_, certificate, _, errors) =>
                    errors == System.Net.Security.SslPolicyErrors.None
                    || certificate is not null && Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData())) == pin;
            }

            try
            {
                await fresh.ConnectAsync(await ConnectSocketAsync(smtp.Host, smtp.Port, TimeSpan.FromMilliseconds(fresh.Timeout), cancellationToken), smtp.Host, smtp.Port, security, cancellationToken);
            }
            catch (NotSupportedException) when (security == SecureSocketOptions.StartTls)
            {
                throw new SmtpSetupException($"the SMTP server at {smtp.Host}:{smtp.Port} does not offer STARTTLS, and ChipAlerts does not send in plaintext; use a relay that does, or \"security\": \"SslOnConnect\" (port 465).");
            }

            if (smtp.UserName is { Length: > 0 } userName)
            {
                var password = new Secret(smtp.PasswordSetting is null ? "" : settings[smtp.PasswordSetting] ?? "");
                try
                {
                    await fresh.AuthenticateAsync(userName, password.Reveal(), cancellationToken);
                }
                catch (NotSupportedException)
                {
                    throw new SmtpSetupException("the SMTP server offers no authentication; remove email.smtp.userName or use a server that does.");
                }
            }

            Interlocked.Increment(ref connectionsOpened);
            return fresh;
        }
        catch
        {
            fresh.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The TCP connection to the relay, Nagle's algorithm off. MailKit's own connect leaves it on, and then a
    /// message over one segment (4 KB: most alert emails) leaves as two writes, the second held until the
    /// server's delayed ACK: about 40 ms a message, a ceiling of some 25 mails a second on any relay.
    /// </summary>
    internal static async Task<Socket> ConnectSocketAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await socket.ConnectAsync(host, port, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SocketException((int)SocketError.TimedOut);
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Each failure once, at the edge: a 5xx reply fails that message for good; 4xx, dropped connections and logins are retried.</summary>
    private static DeliveryResult? Classify(Exception exception, SmtpConfig smtp) => exception switch
    {
        SmtpCommandException e when (int)e.StatusCode >= 500 => DeliveryResult.Permanent($"SMTP {(int)e.StatusCode}: {e.Message}"),
        SmtpCommandException e => DeliveryResult.Retry($"SMTP {(int)e.StatusCode}: {e.Message}"),
        // Fixing the configuration should let the backlog through, so these stay retryable.
        SmtpSetupException e => DeliveryResult.Retry(e.Message),
        // Fixing the credentials should let the backlog through, so this stays retryable.
        AuthenticationException e => DeliveryResult.Retry($"SMTP authentication failed: {e.Message}"),
        SslHandshakeException => DeliveryResult.Retry(
            $"TLS with {smtp.Host}:{smtp.Port} failed: the relay's certificate is not trusted or TLS could not be agreed; a relay with a self-signed certificate can be pinned with email.smtp.certificateThumbprint."),
        SmtpProtocolException or IOException or SocketException or ServiceNotConnectedException =>
            DeliveryResult.Retry($"SMTP connection to {smtp.Host}:{smtp.Port} failed: {exception.Message}"),
        _ => null,
    };

    /// <summary>
    /// `chipalerts check --connect`: connects, says EHLO, negotiates TLS and logs in exactly as a send would,
    /// then quits without a message. Null when there is no relay (emails go to the pickup folder).
    /// </summary>
    public async Task<(bool Ok, string Detail)?> ProbeAsync(CancellationToken cancellationToken)
    {
        if (config.Config.Email?.Smtp is not { } smtp)
        {
            return null;
        }

        try
        {
            using var probe = await ConnectAsync(smtp, cancellationToken);
            var detail = $"{smtp.Host}:{smtp.Port}: connected, {(probe.IsSecure ? "TLS" : "no TLS")}, {(probe.IsAuthenticated ? $"logged in as {smtp.UserName}" : "no login")}";
            await probe.DisconnectAsync(quit: true, cancellationToken);
            return (true, detail);
        }
        catch (Exception e) when (Classify(e, smtp) is { } failure)
        {
            return (false, $"{smtp.Host}:{smtp.Port}: {failure.Reason}");
        }
    }

    /// <summary>A SHA-256 thumbprint as 64 upper-case hex digits (colons, spaces and case ignored); null when it is not one.</summary>
    public static string? NormalizeThumbprint(string text)
    {
        var hex = new string([.. text.Where(c => c is not (':' or ' '))]).ToUpperInvariant();
        return hex.Length == 64 && hex.All(char.IsAsciiHexDigit) ? hex : null;
    }

    /// <summary>Connections opened and messages sent by SMTP since start: what the connection reuse saves, for tests and the benchmark.</summary>
    public (int Connections, int Messages) SmtpCounts => (connectionsOpened, messagesSent);

    public void Dispose()
    {
        while (idle.TryPop(out var kept))
        {
            kept.Client.Dispose();
        }

        slots.Dispose();
    }
}

/// <summary>The relay and the configuration do not fit (no STARTTLS, no AUTH): said once, in words that name the fix.</summary>
public sealed class SmtpSetupException(string message) : Exception(message);
