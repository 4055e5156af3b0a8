using CodeHollow.FeedReader;
using CodeHollow.FeedReader.Feeds;

namespace ChipAlerts.Core.Feeds;

/// <summary>
/// Bytes to <see cref="FeedItem"/>s. We decode, check and load the document ourselves (<see cref="FeedDecoder"/>,
/// <see cref="XmlSafetyGate"/>); FeedReader maps the fields of the elements we hand it, and we map what it
/// misses (the common namespaces, prefixed roots, RSS without a channel) from the same DOM. JSON Feed is
/// read by <see cref="JsonFeed"/>.
/// </summary>
public static class FeedParser
{
    public const int MaxTitleLength = 500;
    public const int MaxSummaryLength = 4000;
    /// <summary>Items read of one document by default (ChipAlerts:Fetch:MaxItems); the rest are counted, not read.</summary>
    public const int DefaultMaxItems = 1000;

    public static IReadOnlyList<FeedItem> Parse(string feedId, byte[] body, string? charset, Uri feedUrl) =>
        ParseFeed(feedId, body, charset, feedUrl).Items;

    /// <summary>
    /// Whether a body is for the feed parser at all (it opens with '&lt;' or '{' once decoded, as <see cref="ParseFeed"/>
    /// decodes it), or is plain text.
    /// </summary>
    public static bool LooksLikeFeed(byte[] body, string? charset) =>
        FeedDecoder.FirstCharacter(FeedDecoder.Reader(body, charset)) is '<' or '{';

    /// <summary>
    /// The items, and what the lenient second pass mended, if it had to: a document that is not
    /// well-formed only because of bare '&amp;' or undeclared HTML entities is mended and read.
    /// </summary>
    public static ParsedFeed ParseFeed(string feedId, byte[] body, string? charset, Uri feedUrl, int maxItems = DefaultMaxItems)
    {
        // The encoding is found once (a charset detector can take a while); each call of open reads from the start.
        var open = FeedDecoder.Reader(body, charset);
        if (JsonFeed.Starts(open))
        {
            return JsonFeed.Parse(feedId, ReadAll(open), feedUrl, maxItems);
        }

        // One pass: the safety gate builds the DOM as it reads the document. Only a document that is not well-formed
        // is read a second time, to be mended.
        System.Xml.Linq.XDocument dom;
        string? repairs = null;
        try
        {
            dom = XmlSafetyGate.LoadChecked(open);
        }
        catch (FeedException e) when (e.Code == "malformed-xml" && FeedRepair.TryRepair(ReadAll(open)) is { } repaired)
        {
            try
            {
                dom = XmlSafetyGate.LoadChecked(() => new StringReader(repaired.Document));
            }
            catch (FeedException)
            {
                throw e; // not what the second pass mends: the first error says what is wrong
            }

            repairs = repaired.Repairs;
        }

        Feed feed;
        string? language;
        WebSubLinks? webSub;
        try
        {
            (feed, language, webSub) = Read(dom, feedUrl);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new FeedException("not-a-feed", $"the feed could not be read: {e.Message}", inner: e);
        }

        var items = WithDistinctKeys(feed.Items.Take(maxItems).Select(entry => ToFeedItem(feedId, entry, feedUrl, language)));
        return new ParsedFeed(items, repairs, Ttl(feed))
        {
            Title = TextNormalizer.ToPlainText(feed.Title, MaxTitleLength),
            ItemsPastCap = Math.Max(0, feed.Items.Count - maxItems),
            WebSub = webSub,
        };
    }

    private static string ReadAll(Func<TextReader> open)
    {
        using var reader = open();
        return reader.ReadToEnd();
    }

    /// <summary>
    /// The one parse of the document, then FeedReader's mapping of its root. What FeedReader reads by the
    /// element's default namespace, a publisher may prefix (<c>&lt;r:rss&gt;</c>, <c>&lt;rss:item&gt;</c>,
    /// <c>&lt;a:feed&gt;</c>): those elements are renamed into the default namespace first. Also the feed's
    /// language, which dates are read in, and the hub it announces.
    /// </summary>
    private static (Feed Feed, string? Language, WebSubLinks? WebSub) Read(System.Xml.Linq.XDocument dom, Uri feedUrl)
    {
        // FeedReader keeps the document's text only as OriginalDocument, which nothing here reads.
        const string document = "";
        var root = dom.Root!;
        var name = root.Name.LocalName;
        // RSS 1.0 keeps rdf:RDF as its root; its channel and items carry the feed's namespace.
        var feedNamespace = name == "RDF"
            ? root.Elements().FirstOrDefault(e => e.Name.LocalName is "channel" or "item")?.Name.Namespace
            : root.Name.Namespace;
        var defaultNamespace = root.GetDefaultNamespace();
        if (feedNamespace is not null && feedNamespace != defaultNamespace)
        {
            foreach (var element in root.DescendantsAndSelf().Where(e => e.Name.Namespace == feedNamespace).ToList())
            {
                element.Name = defaultNamespace + element.Name.LocalName;
            }
        }

        BaseFeed specific = name switch
        {
            "feed" => new AtomFeed(document, root),
            "RDF" => new Rss10Feed(document, ChannelOf(root)),
            // RSS: the items are in its channel, or (in some old and hand-made feeds) right under the root.
            _ => ((string?)root.Attribute("version"))?.Trim() switch
            {
                "0.91" => new Rss091Feed(document, ChannelOf(root)),
                "0.92" => new Rss092Feed(document, ChannelOf(root)),
                _ => new Rss20Feed(document, ChannelOf(root)),
            },
        };
        var language = specific switch
        {
            Rss20Feed rss => rss.Language,
            Rss091Feed rss => rss.Language,
            Rss10Feed rdf => rdf.DC?.Language,
            _ => null,
        };
        var webSub = WebSubLinks.FromElement(name == "feed" ? root : ChannelOf(root), feedUrl);
        return (new Feed(specific), NullIfBlank(language) ?? (string?)root.Attribute(System.Xml.Linq.XNamespace.Xml + "lang"), webSub);
    }

    private static System.Xml.Linq.XElement ChannelOf(System.Xml.Linq.XElement rss) =>
        rss.Element(rss.GetDefaultNamespace() + "channel") ?? rss;

    /// <summary>RSS &lt;ttl&gt;: minutes the publisher asks readers to wait between polls.</summary>
    private static TimeSpan? Ttl(Feed feed) =>
        feed.SpecificFeed is Rss20Feed { TTL: { } ttl }
        && int.TryParse(ttl.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var minutes)
        && minutes is > 0 and <= 7 * 24 * 60
            ? TimeSpan.FromMinutes(minutes)
            : null;

    private static FeedItem ToFeedItem(string feedId, CodeHollow.FeedReader.FeedItem item, Uri feedUrl, string? language)
    {
        // What FeedReader leaves empty, the common namespaces often carry: read from the same parsed element.
        var element = item.SpecificItem?.Element;
        var title = TextNormalizer.ToPlainText(Xhtml(element, "title") ?? NullIfBlank(item.Title) ?? Extension(element, Dc, "title") ?? Extension(element, Media, "title"), MaxTitleLength);
        var summary = TextNormalizer.ToPlainText(
            Base64Content(element) ?? Xhtml(element, "summary") ?? NullIfBlank(item.Description) ?? Xhtml(element, "content") ?? NullIfBlank(item.Content),
            MaxSummaryLength);
        if (summary.Length == 0)
        {
            summary = TextNormalizer.ToPlainText(
                Extension(element, Content, "encoded") ?? Extension(element, Dc, "description") ?? Extension(element, Media, "description") ?? Extension(element, Itunes, "summary"),
                MaxSummaryLength);
        }

        // Atom: the alternate link (never a self, related or enclosure one). RSS: its link, else a guid that is a permalink.
        var linkElement = element is null ? null : AlternateLink(element);
        var link = ResolveLink(
            item.SpecificItem is AtomFeedItem ? (string?)linkElement?.Attribute("href") : NullIfBlank(item.Link) ?? PermalinkGuid(element),
            BaseOf(element, linkElement, feedUrl));
        // Atom: published, else updated (which every entry must have).
        var dateText = item.SpecificItem is AtomFeedItem atom
            ? NullIfBlank(atom.PublishedDateString) ?? NullIfBlank(atom.UpdatedDateString)
            : NullIfBlank(item.PublishingDateString) ?? Extension(element, Dc, "date");
        return Item(feedId, item.Id, title, summary, link, dateText, language);
    }

    /// <summary>An item of any format, its fields already plain text; <paramref name="dateText"/> as the feed wrote it.</summary>
    internal static FeedItem Item(string feedId, string? id, string title, string summary, string? link, string? dateText, string? language)
    {
        var published = FeedDates.Parse(dateText, language);
        return new FeedItem
        {
            FeedId = feedId,
            Key = ItemKeys.For(feedId, id, link, title, summary),
            Title = title,
            Summary = summary,
            Link = link,
            Published = published,
            Fingerprint = ItemKeys.Fingerprint(feedId, title, summary),
            UnreadableDate = published is null && dateText is not null ? TextNormalizer.ToPlainText(dateText, 100) : null,
        };
    }

    /// <summary>
    /// A publisher that gives two different items one guid: the second is keyed by its text too, so each
    /// alerts once instead of the second never alerting.
    /// </summary>
    internal static List<FeedItem> WithDistinctKeys(IEnumerable<FeedItem> items)
    {
        var distinct = new List<FeedItem>();
        var fingerprintsByKey = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            distinct.Add(!fingerprintsByKey.TryAdd(item.Key, item.Fingerprint!) && fingerprintsByKey[item.Key] != item.Fingerprint
                ? item with { Key = ItemKeys.Hash($"dup|{item.Key}|{item.Fingerprint}") }
                : item);
        }

        return distinct;
    }

    internal static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static readonly System.Xml.Linq.XNamespace Dc = "http://purl.org/dc/elements/1.1/";
    private static readonly System.Xml.Linq.XNamespace Content = "http://purl.org/rss/1.0/modules/content/";
    private static readonly System.Xml.Linq.XNamespace Media = "http://search.yahoo.com/mrss/";
    private static readonly System.Xml.Linq.XNamespace Itunes = "http://www.itunes.com/dtds/podcast-1.0.dtd";

    /// <summary>
    /// Atom 0.3's <c>mode="base64"</c> summary or content, decoded (UTF-8); null when there is none or it does not
    /// decode, and the element is then read as it stands.
    /// </summary>
    private static string? Base64Content(System.Xml.Linq.XElement? entry)
    {
        var encoded = entry?.Elements().FirstOrDefault(e => e.Name.LocalName is "summary" or "content" && (string?)e.Attribute("mode") == "base64");
        if (encoded is null)
        {
            return null;
        }

        var bytes = new byte[encoded.Value.Length];
        return Convert.TryFromBase64String(encoded.Value.Trim(), bytes, out var written) ? NullIfBlank(FeedDecoder.Decode(bytes.AsSpan(0, written), "utf-8")) : null;
    }

    /// <summary>The item's own link element: RSS's &lt;link&gt;, Atom's with rel="alternate" or no rel.</summary>
    private static System.Xml.Linq.XElement? AlternateLink(System.Xml.Linq.XElement item) =>
        item.Elements().FirstOrDefault(e => e.Name.LocalName == "link" && (string?)e.Attribute("rel") is null or "alternate");

    /// <summary>An RSS guid that is a permalink (isPermaLink is not "false") and an http(s) url; null otherwise.</summary>
    private static string? PermalinkGuid(System.Xml.Linq.XElement? item)
    {
        var guid = item?.Elements().FirstOrDefault(e => e.Name.LocalName == "guid");
        return guid is not null && !string.Equals(((string?)guid.Attribute("isPermaLink"))?.Trim(), "false", StringComparison.OrdinalIgnoreCase)
            && Uri.TryCreate(guid.Value.Trim(), UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? guid.Value.Trim()
            : null;
    }

    /// <summary>
    /// An Atom text construct of type="xhtml" (or Atom 0.3's mode="xml"), as the markup it is: its element's text
    /// alone would keep script text and lose the structure that separates words. Null for other types.
    /// </summary>
    private static string? Xhtml(System.Xml.Linq.XElement? entry, string name)
    {
        var construct = entry?.Elements().FirstOrDefault(e => e.Name.LocalName == name);
        return construct is not null && ((string?)construct.Attribute("type") == "xhtml" || (string?)construct.Attribute("mode") == "xml")
            ? NullIfBlank(string.Concat(construct.Nodes()))
            : null;
    }

    /// <summary>The text of a namespaced child of the item (Media RSS also inside its media:group); null when absent or blank.</summary>
    private static string? Extension(System.Xml.Linq.XElement? item, System.Xml.Linq.XNamespace ns, string name) =>
        item is null ? null
            : NullIfBlank(item.Element(ns + name)?.Value)
            ?? (ns == Media ? NullIfBlank(item.Element(Media + "group")?.Element(Media + name)?.Value) : null);

    /// <summary>
    /// The base a relative link resolves against: the feed's url, then every <c>xml:base</c> from the root
    /// down to the item's link element, each resolved against the one above (RFC 3986, as Atom says).
    /// </summary>
    private static Uri BaseOf(System.Xml.Linq.XElement? item, System.Xml.Linq.XElement? link, Uri feedUrl)
    {
        if (item is null)
        {
            return feedUrl;
        }

        var result = feedUrl;
        foreach (var element in (link ?? item).AncestorsAndSelf().Reverse())
        {
            if (element.Attribute(System.Xml.Linq.XNamespace.Xml + "base")?.Value is { } xmlBase
                && (HasScheme(xmlBase.Trim()) ? Uri.TryCreate(xmlBase.Trim(), UriKind.Absolute, out var resolved) : Uri.TryCreate(result, xmlBase.Trim(), out resolved)))
            {
                result = resolved;
            }
        }

        return result;
    }

    /// <summary>Absolute http(s) links only; relative ones are resolved against the base. Anything else (javascript:, data:, file:) is dropped.</summary>
    internal static string? ResolveLink(string? link, Uri baseUri)
    {
        if (string.IsNullOrWhiteSpace(link))
        {
            return null;
        }

        // Absolute only with a scheme: .NET on Linux takes "/story/1" and "//cdn.example.com/x" for file paths.
        var text = link.Trim();
        var resolved = HasScheme(text) ? Uri.TryCreate(text, UriKind.Absolute, out var absolute) ? absolute : null
            : !baseUri.IsFile && Uri.TryCreate(baseUri, text, out var relative) ? relative
            : null;
        return resolved?.Scheme is "http" or "https" ? resolved.AbsoluteUri : null;
    }

    /// <summary>Whether a reference starts with a scheme ("https:", "mailto:"), RFC 3986 §3.1: else it is relative.</summary>
    private static bool HasScheme(string reference)
    {
        var colon = reference.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && char.IsAsciiLetter(reference[0])
            && reference.AsSpan(0, colon).IndexOfAnyExcept(SchemeCharacters) < 0;
    }

    private static readonly System.Buffers.SearchValues<char> SchemeCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
}

/// <summary>
/// A feed's items; <see cref="Repairs"/>: what the lenient second pass mended, or null; <see cref="Ttl"/>:
/// the RSS &lt;ttl&gt;, a floor on the interval between polls.
/// </summary>
public sealed record ParsedFeed(IReadOnlyList<FeedItem> Items, string? Repairs, TimeSpan? Ttl = null)
{
    /// <summary>The feed's own title, as plain text.</summary>
    public string Title { get; init; } = "";

    /// <summary>Items of the document past the cap (the first ones in document order are read), so the caller can say so.</summary>
    public int ItemsPastCap { get; init; }

    /// <summary>The WebSub hub the document announces, and its topic URL; null when it names no hub.</summary>
    public WebSubLinks? WebSub { get; init; }
}
