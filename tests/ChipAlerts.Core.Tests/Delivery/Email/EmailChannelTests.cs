using ChipAlerts.Core.Delivery;
using ChipAlerts.Core.Delivery.Email;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.Tests.Support;
using MimeKit;
using SmtpServer.Protocol;

namespace ChipAlerts.Core.Tests.Delivery.Email;

public sealed class EmailChannelTests : IAsyncLifetime
{
    private readonly TempDir dir = new();
    private SmtpSink smtp = null!;

    public async Task InitializeAsync() => smtp = await SmtpSink.StartAsync();

    public async Task DisposeAsync()
    {
        await smtp.DisposeAsync();
        dir.Dispose();
    }

    private EmailChannel Channel(SmtpSink? server, string? passwordSetting = null, IDictionary<string, string?>? settings = null)
    {
        var config = Configs.With([Configs.Feed("f", new Uri("https://example.com/feed"))], server?.Port);
        if (server is not null && passwordSetting is not null)
        {
            config = config with { Email = config.Email! with { Smtp = config.Email.Smtp! with { UserName = "alerts", PasswordSetting = passwordSetting } } };
        }

        var host = PipelineHost.Create(dir, config, settings);
        return (EmailChannel)host.Get<IEnumerable<IAlertChannel>>().Single(c => c.Type == "email");
    }

    private static Alert HostileAlert() => Alerts.For(
        Alerts.Item("evil", title: "Rapidus news\r\nBcc: victim@example.com\r\nX-Injected: yes", summary: "<script>alert('x')</script> & <b>bold</b>"),
        new ChannelAddress("email", "desk@example.com"),
        new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task SendsToTwoDestinationsAtOnce_GoSideBySideOverTwoConnections()
    {
        var channel = Channel(smtp, settings: new Dictionary<string, string?> { ["ChipAlerts:Delivery:SmtpConnections"] = "2" });
        // The relay answers neither message until both are in: one connection at a time could never get there.
        var bothIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = 0;
        smtp.Holding = async () =>
        {
            if (Interlocked.Increment(ref arrived) == 2)
            {
                bothIn.TrySetResult();
            }

            await bothIn.Task.WaitAsync(TimeSpan.FromSeconds(60));
        };

        var results = await Task.WhenAll(
            channel.SendAsync(Alerts.Email("item-a", "desk-a@example.com"), default),
            channel.SendAsync(Alerts.Email("item-b", "desk-b@example.com"), default));

        Assert.Equal([DeliveryResult.Delivered, DeliveryResult.Delivered], results);
        Assert.Equal((2, 2), channel.SmtpCounts);
    }

    [Fact]
    public async Task AfterABurst_TheKeptConnectionsAreReused()
    {
        var channel = Channel(smtp, settings: new Dictionary<string, string?> { ["ChipAlerts:Delivery:SmtpConnections"] = "3" });

        await Task.WhenAll(Enumerable.Range(0, 9).Select(i => channel.SendAsync(Alerts.Email($"item-{i}", $"desk-{i}@example.com"), default)));
        for (var i = 0; i < 5; i++)
        {
            await channel.SendAsync(Alerts.Email($"later-{i}"), default);
        }

        Assert.Equal(14, smtp.Messages.Count);
        Assert.InRange(channel.SmtpCounts.Connections, 1, 3);
    }

    [Fact]
    public async Task TheConnectionToTheRelay_HasNagleOff()
    {
        using var relay = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        relay.Start();

        using var socket = await EmailChannel.ConnectSocketAsync("127.0.0.1", ((System.Net.IPEndPoint)relay.LocalEndpoint).Port, TimeSpan.FromSeconds(30), default);

        Assert.True(socket.Connected);
        Assert.True(socket.NoDelay);
    }

    [Fact]
    public async Task ARelayThatIsNotThere_IsASocketError()
    {
        var port = SmtpSink.FreePort();

        await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => EmailChannel.ConnectSocketAsync("127.0.0.1", port, TimeSpan.FromSeconds(30), default));
    }

    [Fact]
    public async Task Send_ManyAlerts_ReuseOneSmtpConnection()
    {
        var channel = Channel(smtp);
        var before = smtp.Sessions; // the sink's own "is it listening" probe

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(DeliveryResult.Delivered, await channel.SendAsync(Alerts.Email($"item-{i}"), default));
        }

        Assert.Equal(20, smtp.Messages.Count);
        Assert.Equal(1, smtp.Sessions - before);
        Assert.Equal((1, 20), channel.SmtpCounts);
    }

    [Fact]
    public async Task Send_KeptConnectionClosedByTheServer_IsReplacedWithoutFailingTheAlert()
    {
        var channel = Channel(smtp);
        Assert.Equal(DeliveryResult.Delivered, await channel.SendAsync(Alerts.Email("first"), default));
        var port = smtp.Port;
        await smtp.DisposeAsync(); // the server goes away, and comes back on the same port
        await using var restarted = await SmtpSink.StartAsync(port);

        var result = await channel.SendAsync(Alerts.Email("second"), default);

        Assert.Equal(DeliveryResult.Delivered, result);
        Assert.Equal($"{Alerts.Email("second").AlertId}@chipalerts.test", Assert.Single(restarted.Messages).MessageId);
        Assert.Equal((2, 2), channel.SmtpCounts);
    }

    [Fact]
    public async Task Send_4xxOnAKeptConnection_IsRetryableAndNotResentAtOnce()
    {
        var channel = Channel(smtp);
        Assert.Equal(DeliveryResult.Delivered, await channel.SendAsync(Alerts.Email("first"), default));
        smtp.Reply = () => (SmtpReplyCode)451;

        var result = await channel.SendAsync(Alerts.Email("second"), default);

        Assert.Equal(DeliveryOutcome.RetryableFailure, result.Outcome);
        Assert.Equal(2, smtp.Attempts);
    }

    [Fact]
    public async Task Send_Smtp_DeliversMultipartWithHeadersAndExplanation()
    {
        var alert = Alerts.Email();

        var result = await Channel(smtp).SendAsync(alert, default);

        Assert.Equal(DeliveryResult.Delivered, result);
        var message = Assert.Single(smtp.Messages);
        Assert.Equal("[ChipAlerts] Rapidus: Rapidus starts pilot line", message.Subject);
        Assert.Equal($"{alert.AlertId}@chipalerts.test", message.MessageId);
        Assert.Equal("alerts@chipalerts.test", message.From.Mailboxes.Single().Address);
        Assert.Equal("desk@example.com", message.To.Mailboxes.Single().Address);
        Assert.NotEqual(DateTimeOffset.MinValue, message.Date);
        Assert.Contains("Why you got this:", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("- Rapidus: matched Rapidus in title", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("https://wire.example.com/item-1", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://wire.example.com/item-1\"", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("<mark>Rapidus</mark>", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("    \"«Rapidus» starts pilot line\"", message.TextBody, StringComparison.Ordinal); // the match marked; no ellipsis: the whole title
    }

    [Fact]
    public void Encoded_HoldsEachPartEncoded_AndWritesTheSameBytesEveryTime()
    {
        // Mostly ASCII, some not, and lines longer than 78 octets: quoted-printable parts.
        var alert = Alerts.For(
            Alerts.Item("q", title: "Rapidus (ラピダス) starts its pilot line: « démarrage »", summary: string.Concat(Enumerable.Repeat("Rapidus and IBM ship 2nm wafers from Chitose – ", 12))),
            new ChannelAddress("email", "desk@example.com"),
            new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var from = MailboxAddress.Parse("ChipAlerts <alerts@chipalerts.test>");
        var date = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var plain = AlertEmail.Compose(alert, from, date);
        plain.Prepare(EncodingConstraint.SevenBit);

        var encoded = EmailChannel.Encoded(AlertEmail.Compose(alert, from, date));

        var parts = encoded.BodyParts.OfType<MimePart>().ToList();
        Assert.Equal(2, parts.Count);
        Assert.All(parts, p => Assert.Equal(ContentEncoding.QuotedPrintable, p.ContentTransferEncoding));
        Assert.All(parts, p => Assert.Equal(p.ContentTransferEncoding, p.Content!.Encoding)); // written as held, not encoded again
        var expected = Bytes(plain);
        Assert.Equal(expected, Bytes(encoded));
        Assert.Equal(expected, Bytes(encoded)); // MailKit writes a message twice (SIZE, then the send); a retry again

        // Multipart boundaries are random per message: compare the bodies with the boundary blanked.
        static string Bytes(MimeMessage message)
        {
            using var stream = new MemoryStream();
            message.WriteTo(stream);
            var text = System.Text.Encoding.ASCII.GetString(stream.ToArray());
            return text.Replace(Assert.IsType<MultipartAlternative>(message.Body).Boundary!, "BOUNDARY", StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Send_HostileTitleAndSummary_CannotInjectHeadersOrMarkup()
    {
        await Channel(smtp).SendAsync(HostileAlert(), default);

        var message = Assert.Single(smtp.Messages);
        Assert.Null(message.Headers["X-Injected"]);
        Assert.Empty(message.Bcc);
        Assert.Single(message.To.Mailboxes);
        Assert.Equal("[ChipAlerts] Rapidus: Rapidus news  Bcc: victim@example.com  X-Injected: yes", message.Subject);
        Assert.DoesNotContain("<script>", message.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>bold", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;", message.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_Smtp5xx_IsPermanent()
    {
        smtp.Reply = () => (SmtpReplyCode)550;

        var result = await Channel(smtp).SendAsync(Alerts.Email(), default);

        Assert.Equal(DeliveryOutcome.PermanentFailure, result.Outcome);
        Assert.StartsWith("SMTP 550:", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_Smtp4xx_IsRetryable()
    {
        smtp.Reply = () => (SmtpReplyCode)451;

        var result = await Channel(smtp).SendAsync(Alerts.Email(), default);

        Assert.Equal(DeliveryOutcome.RetryableFailure, result.Outcome);
        Assert.StartsWith("SMTP 451:", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_ServerDown_IsRetryable()
    {
        var down = await SmtpSink.StartAsync();
        await down.DisposeAsync();

        var result = await Channel(down).SendAsync(Alerts.Email(), default);

        Assert.Equal(DeliveryOutcome.RetryableFailure, result.Outcome);
        Assert.StartsWith($"SMTP connection to 127.0.0.1:{down.Port} failed", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_WithCredentials_Authenticates()
    {
        await using var secured = await SmtpSink.StartAsync(password: "right-password");
        var channel = Channel(secured, "Smtp:Password", new Dictionary<string, string?> { ["Smtp:Password"] = "right-password" });

        var result = await channel.SendAsync(Alerts.Email(), default);

        Assert.Equal(DeliveryResult.Delivered, result);
        Assert.Single(secured.Messages);
    }

    [Fact]
    public async Task Send_WrongPassword_IsRetryableAndNeverShowsThePassword()
    {
        await using var secured = await SmtpSink.StartAsync(password: "right-password");
        var channel = Channel(secured, "Smtp:Password", new Dictionary<string, string?> { ["Smtp:Password"] = "hunter2-secret" });

        var result = await channel.SendAsync(Alerts.Email(), default);

        Assert.Equal(DeliveryOutcome.RetryableFailure, result.Outcome);
        Assert.StartsWith("SMTP authentication failed", result.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", result.Reason, StringComparison.Ordinal);
        Assert.Empty(secured.Messages);
    }

    [Fact]
    public async Task Send_CredentialsForServerWithoutAuth_SaysSo()
    {
        var channel = Channel(smtp, "Smtp:Password", new Dictionary<string, string?> { ["Smtp:Password"] = "hunter2-secret" });

        var result = await channel.SendAsync(Alerts.Email(), default);

        Assert.Equal(DeliveryResult.Retry("the SMTP server offers no authentication; remove email.smtp.userName or use a server that does."), result);
    }

    [Fact]
    public async Task Send_NoSmtp_WritesOneEmlPerAlertToPickupFolder()
    {
        var channel = Channel(server: null);
        var alert = Alerts.Email();

        await channel.SendAsync(alert, default);
        await channel.SendAsync(alert, default); // a resend replaces, it does not add

        var file = Assert.Single(Directory.GetFiles(channel.PickupFolder));
        Assert.Equal(alert.AlertId + ".eml", Path.GetFileName(file));
        var message = await MimeMessage.LoadAsync(file);
        Assert.Equal("[ChipAlerts] Rapidus: Rapidus starts pilot line", message.Subject);
        Assert.NotNull(message.HtmlBody);
        Assert.NotNull(message.TextBody);
    }

    [Theory]
    [InlineData("StartTls", false)]
    [InlineData("SslOnConnect", true)]
    public async Task Send_OverTls_ToARelayWhoseSelfSignedCertificateIsPinned(string security, bool implicitTls)
    {
        using var certificate = TestCertificates.Localhost();
        await using var tls = await SmtpSink.StartAsync(certificate: certificate, implicitTls: implicitTls);
        var pin = string.Join(':', Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(certificate.RawData)).Chunk(2).Select(c => new string(c)));

        var result = await TlsChannel(tls, security, pin).SendAsync(Alerts.Email(), default);

        Assert.Equal(DeliveryResult.Delivered, result);
        Assert.Equal((1, 1), (tls.Messages.Count, tls.SecureMessages));
    }

    [Fact]
    public async Task Send_OverTls_AnUntrustedCertificate_IsRefusedAndSaysHowToPinIt()
    {
        using var certificate = TestCertificates.Localhost();
        await using var tls = await SmtpSink.StartAsync(certificate: certificate);

        var result = await TlsChannel(tls, "StartTls", pin: null).SendAsync(Alerts.Email(), default);

        Assert.Equal(DeliveryOutcome.RetryableFailure, result.Outcome);
        Assert.Equal($"TLS with 127.0.0.1:{tls.Port} failed: the relay's certificate is not trusted or TLS could not be agreed; a relay with a self-signed certificate can be pinned with email.smtp.certificateThumbprint.", result.Reason);
        Assert.Empty(tls.Messages);
    }

    [Fact]
    public async Task Send_StartTlsToARelayWithoutIt_NeverFallsBackToPlaintext()
    {
        var result = await TlsChannel(smtp, "StartTls", pin: null).SendAsync(Alerts.Email(), default);

        Assert.Equal(DeliveryOutcome.RetryableFailure, result.Outcome);
        Assert.Equal($"the SMTP server at 127.0.0.1:{smtp.Port} does not offer STARTTLS, and ChipAlerts does not send in plaintext; use a relay that does, or \"security\": \"SslOnConnect\" (port 465).", result.Reason);
        Assert.Empty(smtp.Messages);
    }

    private EmailChannel TlsChannel(SmtpSink server, string security, string? pin)
    {
        var config = Configs.With([Configs.Feed("f", new Uri("https://example.com/feed"))], server.Port);
        config = config with { Email = config.Email! with { Smtp = config.Email.Smtp! with { Security = security, CertificateThumbprint = pin } } };
        var host = PipelineHost.Create(dir, config);
        return (EmailChannel)host.Get<IEnumerable<IAlertChannel>>().Single(c => c.Type == "email");
    }
}
