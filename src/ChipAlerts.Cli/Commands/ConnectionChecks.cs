using System.Net.Security;
using System.Net.Sockets;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Delivery;
using ChipAlerts.Core.Delivery.Email;
using ChipAlerts.Core.State;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ChipAlerts.Cli.Commands;

/// <summary>One thing `check --connect` tried, and what came of it. Never a secret: hosts only, no URL paths.</summary>
public sealed record ConnectionCheck(string What, bool Ok, string Detail);

/// <summary>
/// `check --connect`: whether what the configuration names answers, without sending anything: the store
/// (a read), the SMTP relay (connect, EHLO, TLS, AUTH; no mail), each webhook host (DNS, TCP and TLS; no POST).
/// </summary>
internal static class ConnectionChecks
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    public static async Task<IReadOnlyList<ConnectionCheck>> RunAsync(IServiceProvider services, LoadedConfig config, CancellationToken cancellationToken)
    {
        var checks = new List<ConnectionCheck>();
        var states = services.GetRequiredService<IFeedStateStore>();
        try
        {
            await states.GetFeedStatesAsync(cancellationToken);
            checks.Add(new("store", true, states.Location));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            checks.Add(new("store", false, $"{states.Location}: {e.GetType().Name}: {e.Message.Split('\n')[0]}"));
        }

        var email = services.GetServices<IAlertChannel>().OfType<EmailChannel>().Single();
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            deadline.CancelAfter(Deadline);
            if (await email.ProbeAsync(deadline.Token) is { } smtp)
            {
                checks.Add(new("smtp", smtp.Ok, smtp.Detail));
            }
        }

        var settings = services.GetRequiredService<IConfiguration>();
        var channels = config.Config.Subscribers.SelectMany(s => s.Channels).Concat(config.Config.Operator?.Channels ?? [])
            .Where(c => c.UrlSetting is not null)
            .DistinctBy(c => (c.Type, c.UrlSetting));
        foreach (var channel in channels)
        {
            var what = $"{channel.Type} {channel.UrlSetting}";
            if (!Uri.TryCreate(settings[channel.UrlSetting!], UriKind.Absolute, out var url))
            {
                checks.Add(new(what, false, "the setting is not set or not a URL"));
                continue;
            }

            checks.Add(await ReachAsync(what, url, cancellationToken));
        }

        return checks;
    }

    /// <summary>DNS, a TCP connection and (for https) a TLS handshake with certificate checks; nothing is sent.</summary>
    private static async Task<ConnectionCheck> ReachAsync(string what, Uri url, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Deadline);
        var endpoint = url.Authority;
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(url.IdnHost, url.Port, deadline.Token);
            if (url.Scheme != Uri.UriSchemeHttps)
            {
                return new(what, true, $"{endpoint}: reachable (no TLS: http)");
            }

            await using var tls = new SslStream(tcp.GetStream());
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = url.IdnHost }, deadline.Token);
            return new(what, true, $"{endpoint}: reachable, TLS {tls.SslProtocol}, certificate valid until {tls.RemoteCertificate?.GetExpirationDateString()}");
        }
        catch (Exception e) when (e is SocketException or IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
        {
            return new(what, false, $"{endpoint}: {(e is OperationCanceledException ? $"no answer within {Deadline.TotalSeconds:0} s" : e.Message)}");
        }
    }
}
