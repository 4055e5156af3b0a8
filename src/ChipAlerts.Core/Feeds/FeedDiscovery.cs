using System.Net;
using System.Text.RegularExpressions;

namespace ChipAlerts.Core.Feeds;

/// <summary>A feed a web page announces.</summary>
public sealed record DiscoveredFeed(Uri Url, string Type, string? Title);

/// <summary>
/// Finds the feeds a web page announces in its head, the way browsers and feed readers do:
/// <c>&lt;link rel="alternate" type="application/rss+xml" href="…"&gt;</c> (and Atom). Relative hrefs are
/// resolved against the page; only http(s) results are kept.
/// </summary>
public static partial class FeedDiscovery
{
    /// <summary>Only the first part of a page is searched: the head, where such links live.</summary>
    public const int MaxCharacters = 512 * 1024;

    public static IReadOnlyList<DiscoveredFeed> Find(string html, Uri page)
    {
        var found = new List<DiscoveredFeed>();
        foreach (Match tag in LinkTag().Matches(html.Length > MaxCharacters ? html[..MaxCharacters] : html))
        {
            var attributes = Attribute().Matches(tag.Value).ToDictionary(
                a => a.Groups["name"].Value.ToLowerInvariant(),
                a => WebUtility.HtmlDecode(a.Groups["value"].Value.Trim('"', '\'')),
                StringComparer.Ordinal);
            var rel = attributes.GetValueOrDefault("rel") ?? "";
            var type = attributes.GetValueOrDefault("type")?.Trim().ToLowerInvariant() ?? "";
            if (!rel.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("alternate", StringComparer.OrdinalIgnoreCase)
                || type is not ("application/rss+xml" or "application/atom+xml" or "application/rdf+xml")
                || attributes.GetValueOrDefault("href") is not { Length: > 0 } href
                || !Uri.TryCreate(page, href.Trim(), out var url)
                || url.Scheme is not ("http" or "https")
                || found.Any(f => f.Url == url))
            {
                continue;
            }

            found.Add(new DiscoveredFeed(url, type, attributes.GetValueOrDefault("title")));
        }

        return found;
    }

    [GeneratedRegex(@"<link\b[^>]*>", RegexOptions.IgnoreCase, matchTimeoutMilliseconds: 1000)]
    private static partial Regex LinkTag();

    [GeneratedRegex(@"(?<name>[a-zA-Z-]+)\s*=\s*(?<value>""[^""]*""|'[^']*'|[^\s>""']+)", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Attribute();
}
