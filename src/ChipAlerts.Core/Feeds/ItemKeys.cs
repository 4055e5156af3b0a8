using System.Security.Cryptography;
using System.Text;

namespace ChipAlerts.Core.Feeds;

/// <summary>
/// The ledger key of an item: its guid, else its canonical link, else a hash of its content.
/// A guid that is a URI (http:, urn:, tag:) is global; a bare guid ("12345") is only unique within
/// its feed, so it is scoped by the feed id. Keys are hashed to a fixed 32 hex characters.
/// </summary>
public static class ItemKeys
{
    public static string For(string feedId, string? itemId, string? link, string title, string summary)
    {
        string source;
        if (!string.IsNullOrWhiteSpace(itemId))
        {
            var trimmed = itemId.Trim();
            source = trimmed.Contains(':', StringComparison.Ordinal) ? "guid|" + trimmed : $"guid|{feedId}|{trimmed}";
        }
        else if (CanonicalLink(link) is { } canonical)
        {
            source = "link|" + canonical;
        }
        else
        {
            source = $"text|{feedId}|{title}|{summary}";
        }

        return Hash(source);
    }

    /// <summary>Scheme and host lower-cased, fragment and tracking parameters (utm_*) dropped.</summary>
    public static string? CanonicalLink(string? link)
    {
        if (!Uri.TryCreate(link?.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return null;
        }

        var query = string.Join('&', uri.Query.TrimStart('?')
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !p.StartsWith("utm_", StringComparison.OrdinalIgnoreCase)));
        var builder = new UriBuilder(uri) { Fragment = "", Query = query };
        if (builder.Uri.IsDefaultPort)
        {
            builder.Port = -1;
        }

        return builder.Uri.AbsoluteUri;
    }

    /// <summary>
    /// The feed, the title and the summary, case and whitespace folded: the same story under a rotated guid
    /// or a changed tracking link has the same fingerprint.
    /// </summary>
    public static string Fingerprint(string feedId, string title, string summary) =>
        Hash($"fp|{feedId}|{Fold(title)}|{Fold(summary)}");

    private static string Fold(string text) =>
        string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();

    public static string Hash(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16));
}
