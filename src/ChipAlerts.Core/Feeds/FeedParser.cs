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
    public const int MaxItems = 1000;

    public static IReadOnlyList<FeedItem> Parse(string feedId, byte[] body, string? charset, Uri feedUrl) =>
        ParseFeed(feedId, body, charset, feedUrl).Items;

    /// <summary>
    /// The items, and what the lenient second pass mended, if it had to: a document that is not
    /// well-formed only because of bare '&amp;' or undeclared HTML entities is mended and read.
    /// </summary>
    public static ParsedFeed ParseFeed(string feedId, byte[] body, string? charset, Uri feedUrl)
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

        return new ParsedFeed([.. feed.Items.Take(MaxItems).Select(item => ToFeedItem(feedId, item, feedUrl))], repairs);
    }

    private static FeedItem ToFeedItem(string feedId, CodeHollow.FeedReader.FeedItem item, Uri feedUrl)
    {
        var title = TextNormalizer.ToPlainText(item.Title, MaxTitleLength);
        var summary = TextNormalizer.ToPlainText(item.Description ?? item.Content, MaxSummaryLength);
        if (summary.Length == 0)
        {
            summary = TextNormalizer.ToPlainText(item.Content, MaxSummaryLength);
        }

        var link = ResolveLink(item.Link, feedUrl);
        return new FeedItem
        {
            FeedId = feedId,
            Key = ItemKeys.For(feedId, item.Id, link, title, summary),
            Title = title,
            Summary = summary,
            Link = link,
            Published = FeedDates.Parse(item.PublishingDateString),
        };
    }

    /// <summary>Absolute http(s) links only; relative ones are resolved against the feed. Anything else (javascript:, data:) is dropped.</summary>
    private static string? ResolveLink(string? link, Uri feedUrl)
    {
        if (string.IsNullOrWhiteSpace(link))
        {
            return null;
        }

        var resolved = Uri.TryCreate(link.Trim(), UriKind.Absolute, out var absolute) ? absolute
            : !feedUrl.IsFile && Uri.TryCreate(feedUrl, link.Trim(), out var relative) ? relative
            : null;
        return resolved?.Scheme is "http" or "https" ? resolved.AbsoluteUri : null;
    }
}

/// <summary>A feed's items, and <see cref="Repairs"/>: what the lenient second pass mended, or null.</summary>
public sealed record ParsedFeed(IReadOnlyList<FeedItem> Items, string? Repairs);
