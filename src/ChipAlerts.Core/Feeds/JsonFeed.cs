using System.Text.Json;

namespace ChipAlerts.Core.Feeds;

/// <summary>
/// JSON Feed 1.0 and 1.1 (https://www.jsonfeed.org/version/1.1/) to <see cref="FeedItem"/>s: title; the
/// summary, else content_text, else content_html; url, else external_url; date_published, else
/// date_modified. Other JSON (an API's error object) is refused as it was before, saying what it is.
/// </summary>
public static class JsonFeed
{
    private const string VersionPrefix = "https://jsonfeed.org/version/";

    private static readonly JsonDocumentOptions Options = new()
    {
        MaxDepth = XmlSafetyGate.MaxDepth,
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
    };

    /// <summary>The first hub of <c>hubs</c> (WebSub, or of no type), with <c>feed_url</c> as its topic.</summary>
    private static WebSubLinks? Hub(JsonElement root, Uri feedUrl)
    {
        if (!root.TryGetProperty("hubs", out var hubs) || hubs.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var hub = hubs.EnumerateArray()
            .Where(h => h.ValueKind == JsonValueKind.Object && (String(h, "type") is null || string.Equals(String(h, "type"), "WebSub", StringComparison.OrdinalIgnoreCase)))
            .Select(h => WebSubLinks.Resolve(String(h, "url"), feedUrl))
            .FirstOrDefault(u => u is not null);
        return hub is null ? null : new WebSubLinks(hub, WebSubLinks.Resolve(String(root, "feed_url"), feedUrl));
    }

    /// <summary>Whether the text opens as a JSON object does.</summary>
    public static bool Starts(Func<TextReader> open) => FeedDecoder.FirstCharacter(open) == '{';

    public static ParsedFeed Parse(string feedId, string json, Uri feedUrl, int maxItems = FeedParser.DefaultMaxItems)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Options);
        }
        catch (JsonException e)
        {
            throw new FeedException("malformed-json", $"the body opens as JSON but is not well-formed: {e.Message}", inner: e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (String(root, "version") is not { } version || !version.StartsWith(VersionPrefix, StringComparison.OrdinalIgnoreCase))
            {
                throw new FeedException("json-body", $"the server sent JSON, not a feed (an API error?): {XmlSafetyGate.Excerpt(json.AsSpan().TrimStart())}");
            }

            if (!root.TryGetProperty("items", out var entries) || entries.ValueKind != JsonValueKind.Array)
            {
                throw new FeedException("not-a-feed", $"the JSON Feed ({version}) has no \"items\" array.");
            }

            var language = String(root, "language");
            var objects = entries.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).ToList();
            var items = FeedParser.WithDistinctKeys(objects.Take(maxItems).Select(entry => ToFeedItem(feedId, entry, feedUrl, language)));
            return new ParsedFeed(items, Repairs: null)
            {
                Title = TextNormalizer.FromPlainText(String(root, "title"), FeedParser.MaxTitleLength),
                ItemsPastCap = Math.Max(0, objects.Count - maxItems),
                WebSub = Hub(root, feedUrl),
            };
        }
    }

    private static FeedItem ToFeedItem(string feedId, JsonElement entry, Uri feedUrl, string? language)
    {
        var title = TextNormalizer.FromPlainText(String(entry, "title"), FeedParser.MaxTitleLength);
        var summary = String(entry, "summary") is { } plain ? TextNormalizer.FromPlainText(plain, FeedParser.MaxSummaryLength)
            : String(entry, "content_text") is { } text ? TextNormalizer.FromPlainText(text, FeedParser.MaxSummaryLength)
            : TextNormalizer.ToPlainText(String(entry, "content_html"), FeedParser.MaxSummaryLength);
        var link = FeedParser.ResolveLink(String(entry, "url"), feedUrl) ?? FeedParser.ResolveLink(String(entry, "external_url"), feedUrl);
        // 1.0 allowed a number for the id; either way it is the item's identity.
        var id = entry.TryGetProperty("id", out var value) && value.ValueKind is JsonValueKind.String or JsonValueKind.Number ? value.ToString() : null;
        return FeedParser.Item(
            feedId,
            FeedParser.NullIfBlank(id),
            title,
            summary,
            link,
            String(entry, "date_published") ?? String(entry, "date_modified"),
            String(entry, "language") ?? language);
    }

    /// <summary>A string member, null when it is absent, blank or not a string.</summary>
    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? FeedParser.NullIfBlank(value.GetString())
            : null;
}
