using System.Net.Sockets;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Routing;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using MimeKit;

namespace ChipAlerts.Core.Delivery.Email;

/// <summary>
/// Sends alert emails by SMTP (MailKit) when <c>email.smtp</c> is configured; otherwise writes them as
/// .eml files into the pickup folder &lt;outbox&gt;/mail, named by AlertId so a resend replaces, not adds.
/// </summary>
public sealed class EmailChannel(LoadedConfig config, IConfiguration settings, IOptions<ChipAlertsOptions> paths, TimeProvider time) : IAlertChannel
{
    public string Type => ChannelConfig.EmailType;

    public string PickupFolder { get; } = Path.GetFullPath(Path.Combine(paths.Value.OutboxPath, "mail"));

    public Task<DeliveryResult> SendAsync(Alert alert, CancellationToken cancellationToken) =>
        SendAsync(from => AlertEmail.Compose(alert, from, time.GetUtcNow()), alert.AlertId, cancellationToken);

    public Task<DeliveryResult> SendDigestAsync(IReadOnlyList<Alert> alerts, CancellationToken cancellationToken)
    {
        var digestId = Alert.DigestIdOf(alerts);
        return SendAsync(from => AlertEmail.ComposeDigest(alerts, digestId, from, time.GetUtcNow()), "digest-" + digestId, cancellationToken);
    }

    private async Task<DeliveryResult> SendAsync(Func<MailboxAddress, MimeMessage> compose, string name, CancellationToken cancellationToken)
    {
        if (config.Config.Email is not { } email)
        {
            return DeliveryResult.Permanent("no \"email\" section in the configuration.");
        }

        var message = compose(MailboxAddress.Parse(email.From));
        return email.Smtp is { } smtp
            ? await SendSmtpAsync(message, smtp, cancellationToken)
            : await WritePickupAsync(message, name, cancellationToken);
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

    private async Task<DeliveryResult> SendSmtpAsync(MimeMessage message, SmtpConfig smtp, CancellationToken cancellationToken)
    {
        using var client = new SmtpClient();
        try
        {
            var security = smtp.Security switch
            {
                "SslOnConnect" => SecureSocketOptions.SslOnConnect,
                "None" => SecureSocketOptions.None,
                _ => SecureSocketOptions.StartTls, // never Auto: it silently falls back to plaintext
            };
            await client.ConnectAsync(smtp.Host, smtp.Port, security, cancellationToken);
            if (smtp.UserName is { Length: > 0 } userName)
            {
                var password = new Secret(smtp.PasswordSetting is null ? "" : settings[smtp.PasswordSetting] ?? "");
                await client.AuthenticateAsync(userName, password.Reveal(), cancellationToken);
            }

            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
            return DeliveryResult.Delivered;
        }
        catch (SmtpCommandException e) when ((int)e.StatusCode >= 500)
        {
            return DeliveryResult.Permanent($"SMTP {(int)e.StatusCode}: {e.Message}");
        }
        catch (SmtpCommandException e)
        {
            return DeliveryResult.Retry($"SMTP {(int)e.StatusCode}: {e.Message}");
        }
        catch (NotSupportedException) when (client.IsConnected && !client.IsAuthenticated)
        {
            return DeliveryResult.Retry("the SMTP server offers no authentication; remove email.smtp.userName or use a server that does.");
        }
        catch (AuthenticationException e)
        {
            // Fixing the credentials should let the backlog through, so this stays retryable.
            return DeliveryResult.Retry($"SMTP authentication failed: {e.Message}");
        }
        catch (Exception e) when (e is SmtpProtocolException or IOException or SocketException or ServiceNotConnectedException or SslHandshakeException)
        {
            return DeliveryResult.Retry($"SMTP connection to {smtp.Host}:{smtp.Port} failed: {e.Message}");
        }
    }
}
