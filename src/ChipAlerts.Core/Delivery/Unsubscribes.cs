using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.State;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace ChipAlerts.Core.Delivery;

public enum UnsubscribeOutcome
{
    Unsubscribed,
    AlreadyUnsubscribed,
    InvalidToken,
}

/// <summary>
/// Unsubscribe links that really unsubscribe. A token names a subscriber's channel and is signed:
/// base64url("subscriber\nchannel") "." base64url(HMAC-SHA256(key, that), first 16 bytes), so only links
/// we made are honoured and a link cannot be edited to unsubscribe someone else. The key is read from
/// the setting named by email.unsubscribeKeySetting and never leaves this class.
/// </summary>
public sealed partial class Unsubscribes(LoadedConfig config, IConfiguration settings, IOptOutStore optOuts, TimeProvider time, ILogger<Unsubscribes> logger)
{
    /// <summary>The link for <paramref name="subscriberId"/>'s <paramref name="channel"/>; null when no unsubscribe URL is configured.</summary>
    public Uri? LinkFor(string subscriberId, ChannelAddress channel)
    {
        if (config.Config.Email is not { UnsubscribeUrl: { } baseUrl } email || Key(email) is not { } key)
        {
            return null;
        }

        var separator = baseUrl.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        return new Uri($"{baseUrl}{separator}token={Token(key, subscriberId, channel)}");
    }

    /// <summary>The mailto: form for <paramref name="subscriberId"/>'s <paramref name="channel"/> (RFC 2369): the subject carries the token; null without an unsubscribe mailbox.</summary>
    public Uri? MailtoFor(string subscriberId, ChannelAddress channel) =>
        config.Config.Email is { UnsubscribeMailbox: { } mailbox } email && Key(email) is { } key
            ? new Uri($"mailto:{mailbox}?subject={Uri.EscapeDataString($"unsubscribe {Token(key, subscriberId, channel)}")}")
            : null;

    /// <summary>The token in a link from an email: the https link's token parameter, or a mailto: link's subject; else the text itself.</summary>
    public static string TokenIn(string link)
    {
        if (!Uri.TryCreate(link, UriKind.Absolute, out var url))
        {
            return link.Trim();
        }

        var query = System.Web.HttpUtility.ParseQueryString(url.Query);
        return url.Scheme == Uri.UriSchemeMailto
            ? (query["subject"] ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? ""
            : query["token"] ?? link.Trim();
    }

    /// <summary>What the endpoint (or `chipalerts optouts add`) does with a token: records the opt-out.</summary>
    public async Task<(UnsubscribeOutcome Outcome, OptOut? OptOut)> UnsubscribeAsync(string token, CancellationToken cancellationToken)
    {
        if (!TryRead(token, out var subscriberId, out var channel))
        {
            return (UnsubscribeOutcome.InvalidToken, null);
        }

        var optOut = new OptOut(subscriberId, channel, "the recipient unsubscribed", time.GetUtcNow());
        var added = await optOuts.AddOptOutAsync(optOut, cancellationToken);
        if (added)
        {
            LogUnsubscribed(subscriberId, channel.Type);
        }

        return (added ? UnsubscribeOutcome.Unsubscribed : UnsubscribeOutcome.AlreadyUnsubscribed, optOut);
    }

    public bool TryRead(string token, out string subscriberId, out ChannelAddress channel)
    {
        subscriberId = "";
        channel = new ChannelAddress("", "");
        var parts = token.Split('.');
        if (config.Config.Email is not { } email || Key(email) is not { } key || parts.Length != 2
            || !Base64Url.IsValid(parts[0]) || !Base64Url.IsValid(parts[1]))
        {
            return false;
        }

        var payload = Base64Url.DecodeFromChars(parts[0]);
        if (!CryptographicOperations.FixedTimeEquals(Mac(key, payload), Base64Url.DecodeFromChars(parts[1])))
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(payload).Split('\n');
        if (text is not [var subscriber, var address] || address.IndexOf(':', StringComparison.Ordinal) is not (> 0 and var colon))
        {
            return false;
        }

        subscriberId = subscriber;
        channel = new ChannelAddress(address[..colon], address[(colon + 1)..]);
        return true;
    }

    /// <summary>The token for a channel, signed with <paramref name="key"/>.</summary>
    public static string Token(Secret key, string subscriberId, ChannelAddress channel)
    {
        var payload = Encoding.UTF8.GetBytes($"{subscriberId}\n{channel}");
        return $"{Base64Url.EncodeToString(payload)}.{Base64Url.EncodeToString(Mac(key, payload))}";
    }

    private static byte[] Mac(Secret key, byte[] payload) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(key.Reveal()), payload)[..16];

    private Secret? Key(EmailConfig email) =>
        settings[email.UnsubscribeKeySetting] is { Length: >= 32 } key ? new Secret(key) : null;

    /// <summary>The page the link in an email opens: a button that posts the token (a GET changes nothing, so link scanners cannot unsubscribe anyone).</summary>
    public static string ConfirmPage(string token) => Page(
        "Unsubscribe from ChipAlerts?",
        $"""<form method="post"><input type="hidden" name="token" value="{WebUtility.HtmlEncode(token)}"><button type="submit" style="font-size:16px;padding:8px 16px">Unsubscribe</button></form>""");

    /// <summary>The page after a POST.</summary>
    public static string ResultPage(UnsubscribeOutcome outcome) => outcome switch
    {
        UnsubscribeOutcome.Unsubscribed => Page("You are unsubscribed", "<p>You will get no more ChipAlerts emails at this address.</p>"),
        UnsubscribeOutcome.AlreadyUnsubscribed => Page("You were already unsubscribed", "<p>You get no ChipAlerts emails at this address.</p>"),
        _ => Page("This link is not valid", "<p>It may be incomplete: copy the whole link from the email, or reply to the email and ask to be removed.</p>"),
    };

    private static string Page(string title, string body) =>
        $"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{title}</title></head><body style="font-family:Segoe UI,Helvetica,Arial,sans-serif;max-width:480px;margin:48px auto;color:#1f2328"><h1 style="font-size:22px">{title}</h1>{body}</body></html>""";

    [LoggerMessage(Level = LogLevel.Information, Message = "Subscriber {SubscriberId} unsubscribed their {Channel} channel")]
    private partial void LogUnsubscribed(string subscriberId, string channel);
}
