using System.Text.RegularExpressions;
using System.Xml;

namespace ChipAlerts.Core.Feeds;

/// <summary>
/// Checks a document before any DOM is built: no DTD beyond a bare <c>&lt;!DOCTYPE rss PUBLIC "…" "…"&gt;</c>
/// (which is skipped, never loaded: so no entity expansion, no external entities), nesting no deeper than
/// a small limit, well-formed, and a feed root. Streaming, so the check itself costs no recursion and
/// little memory: building a DOM recurses per level, which a deeply nested document turns into a stack
/// overflow that kills the process. <see cref="LoadChecked"/> builds the DOM in the same pass, so it never gets deeper.
/// </summary>
public static partial class XmlSafetyGate
{
    public const int MaxDepth = 64;

    private static readonly XmlReaderSettings Settings = Create(DtdProcessing.Prohibit, ignoreWhitespace: true);

    /// <summary>
    /// For a document whose DOCTYPE names only a public or system identifier (RSS 0.91's Netscape one):
    /// skipped, nothing fetched. Its entities stay undeclared, which the lenient second pass mends.
    /// </summary>
    private static readonly XmlReaderSettings SkipDoctype = Create(DtdProcessing.Ignore, ignoreWhitespace: true);

    private static readonly XmlReaderSettings Load = Create(DtdProcessing.Prohibit, ignoreWhitespace: false);
    private static readonly XmlReaderSettings LoadSkippingDoctype = Create(DtdProcessing.Ignore, ignoreWhitespace: false);

    private static XmlReaderSettings Create(DtdProcessing dtd, bool ignoreWhitespace) => new()
    {
        DtdProcessing = dtd,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = ignoreWhitespace,
        MaxCharactersFromEntities = 0,
        CheckCharacters = false,
    };

    /// <summary>
    /// The gate and the DOM in one pass: the document is checked as <see cref="Check(Func{TextReader})"/> checks it and
    /// built as it is read (a bare DOCTYPE skipped, nothing resolved, whitespace kept: between inline elements it
    /// separates words), never deeper than <see cref="MaxDepth"/>. Throws <see cref="FeedException"/> as Check does.
    /// </summary>
    public static System.Xml.Linq.XDocument LoadChecked(Func<TextReader> open) => Read(open, build: true).Dom!;

    /// <summary>
    /// Every other DTD is refused, and nothing in it is resolved or expanded. The code says what the DTD tried,
    /// so that an operator can tell a hostile feed (external entities) from a merely old-fashioned one.
    /// </summary>
    private static FeedException RefuseDtd(Func<TextReader> open, XmlException e)
    {
        var head = new char[64 * 1024];
        string document;
        using (var reader = open())
        {
            document = new string(head, 0, reader.ReadBlock(head));
        }

        var start = document.IndexOf("<!DOCTYPE", StringComparison.OrdinalIgnoreCase);
        var dtd = start < 0 ? "" : document[start..];
        var subset = dtd.IndexOf('[', StringComparison.Ordinal);
        var declaration = subset < 0 ? dtd[..Math.Max(0, dtd.IndexOf('>', StringComparison.Ordinal))] : dtd[..subset];
        var (code, what) =
            ExternalId().IsMatch(declaration) ? ("dtd-external", "points at an external DTD")
            : ParameterEntity().IsMatch(dtd) ? ("dtd-parameter-entity", "declares parameter entities")
            : ExternalEntity().IsMatch(dtd) ? ("dtd-external-entity", "declares external entities (file or URL)")
            : NestedEntity().IsMatch(dtd) ? ("dtd-entity-expansion", "declares entities built from other entities (an expansion bomb)")
            : ("dtd-refused", "declares a DTD");
        return new FeedException(code, $"the document {what}; feeds with DTDs are refused and nothing in them is loaded or expanded.", inner: e);
    }

    /// <summary>The first line of a body, at most 120 characters, for an error that quotes it.</summary>
    internal static string Excerpt(ReadOnlySpan<char> text)
    {
        var line = text[..Math.Min(text.Length, 120)].ToString().ReplaceLineEndings(" ");
        return text.Length > 120 ? line + "…" : line;
    }

    /// <summary>A prolog whose DOCTYPE has no internal subset: a name and at most a public or system identifier.</summary>
    [GeneratedRegex("""\A\s*(<\?xml[^>]*>\s*)?(<!--((?!-->).)*-->\s*|<\?((?!\?>).)*\?>\s*)*<!DOCTYPE\s+[\w:.-]+(\s+(PUBLIC\s+("[^"]*"|'[^']*')(\s+("[^"]*"|'[^']*'))?|SYSTEM\s+("[^"]*"|'[^']*')))?\s*>""", RegexOptions.Singleline)]
    private static partial Regex BareDoctype();

    [GeneratedRegex(@"\b(SYSTEM|PUBLIC)\b")]
    private static partial Regex ExternalId();

    [GeneratedRegex(@"<!ENTITY\s+%")]
    private static partial Regex ParameterEntity();

    [GeneratedRegex(@"<!ENTITY\s+\S+\s+(SYSTEM|PUBLIC)\b")]
    private static partial Regex ExternalEntity();

    [GeneratedRegex(@"<!ENTITY\s+\S+\s+(""[^""]*&[^""]*""|'[^']*&[^']*')")]
    private static partial Regex NestedEntity();

    /// <summary>Returns the root element's local name, or throws <see cref="FeedException"/>.</summary>
    public static string Check(string document) => Check(() => new StringReader(document));

    /// <summary>The same for a document read from <paramref name="open"/>, which is called more than once (each call reads from the start).</summary>
    public static string Check(Func<TextReader> open) => Read(open, build: false).Root;

    private static (string Root, System.Xml.Linq.XDocument? Dom) Read(Func<TextReader> open, bool build)
    {
        var buffer = new char[4096];
        int length;
        using (var head = open())
        {
            length = head.ReadBlock(buffer);
        }

        var trimmed = buffer.AsSpan(0, length).TrimStart();
        if (trimmed.IsEmpty)
        {
            throw new FeedException("empty", "the body is empty.");
        }

        if (trimmed.StartsWith("<!doctype html", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith("<html", StringComparison.OrdinalIgnoreCase))
        {
            throw new FeedException("html-page", "the server sent an HTML page, not a feed (a login, consent or challenge page?).");
        }

        if (trimmed[0] is '{' or '[')
        {
            throw new FeedException("json-body", $"the server sent JSON, not a feed (an API error?): {Excerpt(trimmed)}");
        }

        if (trimmed[0] != '<')
        {
            throw new FeedException("not-xml", "the body is not XML (it does not start with '<').");
        }

        string? root = null;
        var dom = build ? new System.Xml.Linq.XDocument() : null;
        System.Xml.Linq.XContainer? current = dom;
        try
        {
            var bare = BareDoctype().IsMatch(trimmed);
            using var reader = XmlReader.Create(open(), build ? (bare ? LoadSkippingDoctype : Load) : (bare ? SkipDoctype : Settings));
            while (reader.Read())
            {
                switch (reader.NodeType)
                {
                    case XmlNodeType.Element:
                        if (reader.Depth >= MaxDepth)
                        {
                            throw new FeedException("too-deep", $"elements nest deeper than {MaxDepth} levels; no real feed does.");
                        }

                        root ??= reader.LocalName;
                        if (current is not null)
                        {
                            var element = Element(reader);
                            current.Add(element);
                            current = reader.IsEmptyElement ? current : element;
                        }

                        break;
                    case XmlNodeType.EndElement when current is System.Xml.Linq.XElement closed:
                        current = closed.Parent ?? (System.Xml.Linq.XContainer)dom!;
                        break;
                    case XmlNodeType.Text or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace when current is System.Xml.Linq.XElement:
                        current.Add(new System.Xml.Linq.XText(reader.Value));
                        break;
                    case XmlNodeType.CDATA when current is System.Xml.Linq.XElement:
                        current.Add(new System.Xml.Linq.XCData(reader.Value));
                        break;
                }
            }
        }
        catch (XmlException e) when (e.Message.Contains("DTD", StringComparison.Ordinal))
        {
            throw RefuseDtd(open, e);
        }
        catch (XmlException e)
        {
            throw new FeedException("malformed-xml", $"not well-formed XML: {e.Message}", inner: e);
        }

        return root switch
        {
            "rss" or "RDF" or "feed" => (root, dom),
            "html" => throw new FeedException("html-page", "the server sent an HTML page, not a feed."),
            _ => throw new FeedException("not-a-feed", $"the root element <{root}> is not rss, rdf:RDF or feed."),
        };
    }

    /// <summary>The element the reader is on, with its attributes and namespace declarations (which the mapping reads).</summary>
    private static System.Xml.Linq.XElement Element(XmlReader reader)
    {
        var element = new System.Xml.Linq.XElement(System.Xml.Linq.XNamespace.Get(reader.NamespaceURI).GetName(reader.LocalName));
        if (reader.MoveToFirstAttribute())
        {
            do
            {
                var name = reader.NamespaceURI switch
                {
                    "" => System.Xml.Linq.XNamespace.None.GetName(reader.LocalName),
                    XmlnsNamespace when reader.Prefix.Length == 0 => System.Xml.Linq.XNamespace.None.GetName("xmlns"),
                    var ns => System.Xml.Linq.XNamespace.Get(ns).GetName(reader.LocalName),
                };
                element.Add(new System.Xml.Linq.XAttribute(name, reader.Value));
            }
            while (reader.MoveToNextAttribute());
            reader.MoveToElement();
        }

        return element;
    }

    private const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";
}
