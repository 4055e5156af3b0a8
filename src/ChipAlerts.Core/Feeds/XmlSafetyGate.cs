using System.Xml;

namespace ChipAlerts.Core.Feeds;

/// <summary>
/// Checks a document before any DOM is built: no DTD (so no entity expansion, no external entities),
/// nesting no deeper than a small limit, well-formed, and a feed root. Streaming, so the check itself
/// costs no recursion and little memory. FeedReader parses with DTDs on and recurses per level, which a
/// deeply nested document turns into a stack overflow that kills the process; it must never see such input.
/// </summary>
public static class XmlSafetyGate
{
    public const int MaxDepth = 64;

    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        MaxCharactersFromEntities = 0,
        CheckCharacters = false,
    };

    /// <summary>Returns the root element's local name, or throws <see cref="FeedException"/>.</summary>
    public static string Check(string document)
    {
        var trimmed = document.AsSpan().TrimStart();
        if (trimmed.IsEmpty)
        {
            throw new FeedException("empty", "the body is empty.");
        }

        if (trimmed.StartsWith("<!doctype html", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith("<html", StringComparison.OrdinalIgnoreCase))
        {
            throw new FeedException("html-page", "the server sent an HTML page, not a feed (a login, consent or challenge page?).");
        }

        if (trimmed[0] != '<')
        {
            throw new FeedException("not-xml", "the body is not XML (it does not start with '<').");
        }

        string? root = null;
        try
        {
            using var reader = XmlReader.Create(new StringReader(document), Settings);
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element)
                {
                    continue;
                }

                if (reader.Depth >= MaxDepth)
                {
                    throw new FeedException("too-deep", $"elements nest deeper than {MaxDepth} levels; no real feed does.");
                }

                root ??= reader.LocalName;
            }
        }
        catch (XmlException e) when (e.Message.Contains("DTD", StringComparison.Ordinal))
        {
            throw new FeedException("dtd-refused", "the document declares a DTD; feeds with DTDs are refused (entity expansion, external entities).", inner: e);
        }
        catch (XmlException e)
        {
            throw new FeedException("malformed-xml", $"not well-formed XML: {e.Message}", inner: e);
        }

        return root switch
        {
            "rss" or "RDF" or "feed" => root,
            "html" => throw new FeedException("html-page", "the server sent an HTML page, not a feed."),
            _ => throw new FeedException("not-a-feed", $"the root element <{root}> is not rss, rdf:RDF or feed."),
        };
    }
}
