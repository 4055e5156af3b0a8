using System.Xml.Linq;

namespace ChipAlerts.Core.Feeds;

/// <summary>
/// Where a feed says it is pushed from (WebSub discovery, W3C WebSub §4): its hub and its own topic URL (rel="self"),
/// from the HTTP <c>Link</c> header first, else from the document's <c>&lt;link rel="hub"&gt;</c> (Atom, or
/// atom:link in an RSS channel) or a JSON Feed's <c>hubs</c> and <c>feed_url</c>.
/// </summary>
public sealed record WebSubLinks(Uri Hub, Uri? Self)
{
    /// <summary>The first hub and the self link of an HTTP <c>Link</c> header (RFC 8288); null when it names no hub.</summary>
    public static WebSubLinks? FromHeader(IEnumerable<string> values, Uri baseUri)
    {
        ArgumentNullException.ThrowIfNull(values);
        Uri? hub = null, self = null;
        foreach (var (target, rels) in values.SelectMany(ParseHeader))
        {
            if (Resolve(target, baseUri) is not { } url)
            {
                continue;
            }

            hub ??= rels.Contains("hub") ? url : null;
            self ??= rels.Contains("self") ? url : null;
        }

        return hub is null ? null : new WebSubLinks(hub, self);
    }

    /// <summary>The first <c>link</c> with rel hub and the one with rel self among the children of a feed's root or channel.</summary>
    public static WebSubLinks? FromElement(XElement feed, Uri baseUri)
    {
        ArgumentNullException.ThrowIfNull(feed);
        Uri? hub = null, self = null;
        foreach (var link in feed.Elements().Where(e => e.Name.LocalName == "link"))
        {
            if ((string?)link.Attribute("rel") is not { } rel || Resolve((string?)link.Attribute("href"), baseUri) is not { } url)
            {
                continue;
            }

            var rels = Tokens(rel);
            hub ??= rels.Contains("hub") ? url : null;
            self ??= rels.Contains("self") ? url : null;
        }

        return hub is null ? null : new WebSubLinks(hub, self);
    }

    /// <summary>Links of one header value: <c>&lt;url&gt;; rel="hub self"; …, &lt;url&gt;; rel=self</c>. A URL may hold commas, so it is read between its brackets.</summary>
    private static IEnumerable<(string Target, HashSet<string> Rels)> ParseHeader(string value)
    {
        var at = 0;
        while ((at = value.IndexOf('<', at)) >= 0)
        {
            var end = value.IndexOf('>', at + 1);
            if (end < 0)
            {
                yield break;
            }

            var target = value[(at + 1)..end];
            var next = NextLinkStart(value, end + 1);
            var rels = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var parameter in value[(end + 1)..next].Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = parameter.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0 && parameter[..equals].Trim().Equals("rel", StringComparison.OrdinalIgnoreCase))
                {
                    rels.UnionWith(Tokens(parameter[(equals + 1)..].Trim().Trim('"')));
                }
            }

            yield return (target, rels);
            at = next;
        }
    }

    /// <summary>Where the next link of a header starts: the first comma outside quotes, or the end.</summary>
    private static int NextLinkStart(string value, int from)
    {
        var quoted = false;
        for (var i = from; i < value.Length; i++)
        {
            if (value[i] == '"')
            {
                quoted = !quoted;
            }
            else if (value[i] == ',' && !quoted)
            {
                return i;
            }
        }

        return value.Length;
    }

    private static HashSet<string> Tokens(string rel) =>
        new(rel.Split([' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries), StringComparer.OrdinalIgnoreCase);

    /// <summary>An absolute http(s) URL, relative ones resolved against where the feed was served; anything else is no hub.</summary>
    internal static Uri? Resolve(string? reference, Uri baseUri) =>
        FeedParser.ResolveLink(reference?.Trim(), baseUri) is { } link && Uri.TryCreate(link, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" ? url : null;
}
