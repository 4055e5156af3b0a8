using System.Globalization;
using System.Text;
using System.Xml;

namespace ChipAlerts.Core.Feeds;

/// <summary>One feed of an OPML subscription list.</summary>
public sealed record OpmlFeed(string Title, string XmlUrl);

/// <summary>
/// OPML 2.0 subscription lists (http://opml.org/spec2.opml), what feed readers import and export.
/// Reading is as guarded as reading a feed: no DTD, a size cap, outlines at any depth (folders).
/// </summary>
public static class Opml
{
    public const long MaxCharacters = 16 * 1024 * 1024;

    public static IReadOnlyList<OpmlFeed> Read(TextReader text)
    {
        var feeds = new List<OpmlFeed>();
        try
        {
            using var reader = XmlReader.Create(text, new XmlReaderSettings
            {
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
                MaxCharactersInDocument = MaxCharacters,
                IgnoreComments = true,
            });
            var sawRoot = false;
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element)
                {
                    continue;
                }

                if (!sawRoot)
                {
                    sawRoot = true;
                    if (reader.LocalName != "opml")
                    {
                        throw new FormatException($"the root element is <{reader.LocalName}>, not <opml>.");
                    }
                }

                if (reader.LocalName == "outline" && reader.GetAttribute("xmlUrl") is { Length: > 0 } url)
                {
                    var title = reader.GetAttribute("title") ?? reader.GetAttribute("text");
                    feeds.Add(new OpmlFeed(string.IsNullOrWhiteSpace(title) ? url.Trim() : title.Trim(), url.Trim()));
                }
            }
        }
        catch (XmlException e)
        {
            throw new FormatException($"not a readable OPML file: {e.Message}", e);
        }

        return feeds;
    }

    public static string Write(string title, IEnumerable<OpmlFeed> feeds, DateTimeOffset created)
    {
        var output = new StringBuilder();
        using (var writer = XmlWriter.Create(output, new XmlWriterSettings { Indent = true, Encoding = Encoding.UTF8, OmitXmlDeclaration = false }))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement("opml");
            writer.WriteAttributeString("version", "2.0");
            writer.WriteStartElement("head");
            writer.WriteElementString("title", title);
            writer.WriteElementString("dateCreated", created.ToUniversalTime().ToString("R", CultureInfo.InvariantCulture));
            writer.WriteElementString("docs", "http://opml.org/spec2.opml");
            writer.WriteEndElement();
            writer.WriteStartElement("body");
            foreach (var feed in feeds)
            {
                writer.WriteStartElement("outline");
                writer.WriteAttributeString("type", "rss");
                writer.WriteAttributeString("text", feed.Title);
                writer.WriteAttributeString("title", feed.Title);
                writer.WriteAttributeString("xmlUrl", feed.XmlUrl);
                writer.WriteEndElement();
            }

            writer.WriteEndElement();
            writer.WriteEndElement();
        }

        // StringBuilder output is UTF-16; say what the text will be written as.
        return output.ToString().Replace("encoding=\"utf-16\"", "encoding=\"utf-8\"", StringComparison.Ordinal);
    }
}
