using CodeHollow.FeedReader;

namespace ChipAlerts.Core.Feeds;

/// <summary>
/// Bytes to <see cref="FeedItem"/>s. We decode and check the document ourselves (<see cref="FeedDecoder"/>,
/// <see cref="XmlSafetyGate"/>); FeedReader only maps the fields of a string we have already vetted.
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
    /// The items, and what the lenient second pass mended, if it had to: a document that is not
    /// well-formed only because of bare '&amp;' or undeclared HTML entities is mended and read.
    /// </summary>
    public static ParsedFeed ParseFeed(string feedId, byte[] body, string? charset, Uri feedUrl, int maxItems = DefaultMaxItems)
    {
        string document;
        string? repairs = null;
        try
        {
            XmlSafetyGate.Check(FeedDecoder.Reader(body, charset));
            document = FeedDecoder.Decode(body, charset);
        }
        catch (FeedException e) when (e.Code == "malformed-xml" && FeedRepair.TryRepair(FeedDecoder.Decode(body, charset)) is { } repaired)
        {
            try
            {
                XmlSafetyGate.Check(repaired.Document);
            }
            catch (FeedException)
            {
                throw e; // not what the second pass mends: the first error says what is wrong
            }

            (document, repairs) = repaired;
        }

        Feed feed;
        try
        {
            feed = FeedReader.ReadFromString(document);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new FeedException("not-a-feed", $"the feed could not be read: {e.Message}", inner: e);
        }

        var items = new List<FeedItem>();
        var fingerprintsByKey = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in feed.Items.Take(maxItems))
        {
            var item = ToFeedItem(feedId, entry, feedUrl, feed.Language);
            // A publisher that gives two different items one guid: the second is keyed by its text too,
            // so each alerts once instead of the second never alerting.
            if (!fingerprintsByKey.TryAdd(item.Key, item.Fingerprint!) && fingerprintsByKey[item.Key] != item.Fingerprint)
            {
                item = item with { Key = ItemKeys.Hash($"dup|{item.Key}|{item.Fingerprint}") };
            }

            items.Add(item);
        }

        return new ParsedFeed(items, repairs, Ttl(feed))
        {
            Title = TextNormalizer.ToPlainText(feed.Title, MaxTitleLength),
            ItemsPastCap = Math.Max(0, feed.Items.Count - maxItems),
        };
    }

    /// <summary>RSS &lt;ttl&gt;: minutes the publisher asks readers to wait between polls.</summary>
    private static TimeSpan? Ttl(Feed feed) =>
        feed.SpecificFeed is CodeHollow.FeedReader.Feeds.Rss20Feed { TTL: { } ttl }
        && int.TryParse(ttl.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var minutes)
        && minutes is > 0 and <= 7 * 24 * 60
            ? TimeSpan.FromMinutes(minutes)
            : null;

    private static FeedItem ToFeedItem(string feedId, CodeHollow.FeedReader.FeedItem item, Uri feedUrl, string? language)
    {
        // What FeedReader leaves empty, the common namespaces often carry: read from the same parsed element.
        var element = item.SpecificItem?.Element;
        var title = TextNormalizer.ToPlainText(NullIfBlank(item.Title) ?? Extension(element, Dc, "title") ?? Extension(element, Media, "title"), MaxTitleLength);
        var summary = TextNormalizer.ToPlainText(Base64Content(element) ?? NullIfBlank(item.Description) ?? NullIfBlank(item.Content), MaxSummaryLength);
        if (summary.Length == 0)
        {
            summary = TextNormalizer.ToPlainText(
                Extension(element, Content, "encoded") ?? Extension(element, Dc, "description") ?? Extension(element, Media, "description") ?? Extension(element, Itunes, "summary"),
                MaxSummaryLength);
        }

        var link = ResolveLink(item.Link, BaseOf(item.SpecificItem?.Element, feedUrl));
        // Atom: published, else updated (which every entry must have).
        var dateText = item.SpecificItem is CodeHollow.FeedReader.Feeds.AtomFeedItem atom
            ? NullIfBlank(atom.PublishedDateString) ?? NullIfBlank(atom.UpdatedDateString)
            : NullIfBlank(item.PublishingDateString) ?? Extension(element, Dc, "date");
        var published = FeedDates.Parse(dateText, language);
        return new FeedItem
        {
            FeedId = feedId,
            Key = ItemKeys.For(feedId, item.Id, link, title, summary),
            Title = title,
            Summary = summary,
            Link = link,
            Published = published,
            Fingerprint = ItemKeys.Fingerprint(feedId, title, summary),
            UnreadableDate = published is null && dateText is not null ? TextNormalizer.ToPlainText(dateText, 100) : null,
        };
    }

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

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

    /// <summary>The text of a namespaced child of the item (Media RSS also inside its media:group); null when absent or blank.</summary>
    private static string? Extension(System.Xml.Linq.XElement? item, System.Xml.Linq.XNamespace ns, string name) =>
        item is null ? null
            : NullIfBlank(item.Element(ns + name)?.Value)
            ?? (ns == Media ? NullIfBlank(item.Element(Media + "group")?.Element(Media + name)?.Value) : null);

    /// <summary>
    /// The base a relative link resolves against: the feed's url, then every <c>xml:base</c> from the root
    /// down to the item's link element, each resolved against the one above (RFC 3986, as Atom says).
    /// </summary>
    private static Uri BaseOf(System.Xml.Linq.XElement? item, Uri feedUrl)
    {
        if (item is null)
        {
            return feedUrl;
        }

        var link = item.Elements().FirstOrDefault(e => e.Name.LocalName == "link"
            && (string?)e.Attribute("rel") is null or "alternate");
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
    private static string? ResolveLink(string? link, Uri baseUri)
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
}
