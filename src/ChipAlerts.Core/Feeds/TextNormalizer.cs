using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace ChipAlerts.Core.Feeds;

/// <summary>
/// Feed text to plain text as a browser shows it: parsed once by a real HTML parser (AngleSharp), script, style and
/// other unrendered content dropped, attributes never read (an <c>alt="chart &gt; Rapidus"</c> is no text), block
/// elements and line breaks separating words while inline ones do not ("Ra&lt;b&gt;pi&lt;/b&gt;dus" is one word),
/// escaped markup kept as the text it is ("the &amp;lt;blink&amp;gt; tag" reads "the &lt;blink&gt; tag"). Then
/// Unicode NFC, C1 controls read as the windows-1252 characters they stand for (as browsers read "&amp;#146;"),
/// other control characters removed, whitespace folded. The text stays as written otherwise: full-width forms,
/// "…" and "，" are what the reader sees (the matcher folds them for itself).
/// </summary>
public static class TextNormalizer
{
    // One parser a thread: feeds are parsed in parallel, and a parser is not documented as safe to share.
    private static readonly ThreadLocal<HtmlParser> Parser = new(() => new HtmlParser());

    private static readonly HashSet<string> Unrendered = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "template", "head", "title", "iframe", "object", "svg", "math", "select", "button",
    };

    internal static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt", "figcaption", "figure", "footer",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody",
        "td", "tfoot", "th", "thead", "tr", "ul", "img",
    };

    public static string ToPlainText(string? html, int maxLength)
    {
        if (string.IsNullOrEmpty(html))
        {
            return "";
        }

        // Most titles have no markup at all: no parse for them.
        // Numeric references go through the parser too: it reads "&#146;" as the ’ of windows-1252, as browsers do.
        var text = html.Contains('<', StringComparison.Ordinal) || html.Contains("&#", StringComparison.Ordinal) ? SimpleMarkup.TryRender(html) ?? Render(html)
            : html.Contains('&', StringComparison.Ordinal) ? System.Net.WebUtility.HtmlDecode(html)
            : html;
        return Finish(text, maxLength);
    }

    /// <summary>What every reading ends with: NFC, C1 as windows-1252, whitespace folded, capped.</summary>
    internal static string Finish(string text, int maxLength) => FoldWhitespace(Composed(text), maxLength);

    /// <summary>
    /// Text a format defines as plain (JSON Feed's title, summary and content_text): nothing in it is markup, so
    /// "x &lt;y&gt; z" keeps its "&lt;y&gt;". Character references are still read ("&amp;#8217;" is ’): publishers
    /// write them into plain fields, and no one means them literally.
    /// </summary>
    public static string FromPlainText(string? text, int maxLength) =>
        string.IsNullOrEmpty(text) ? ""
            : FoldWhitespace(Composed(text.Contains('&', StringComparison.Ordinal) ? System.Net.WebUtility.HtmlDecode(text) : text), maxLength);

    /// <summary>NFC, and the C1 controls U+0080–U+009F as windows-1252 (the HTML standard's table for numeric references).</summary>
    private static string Composed(string text)
    {
        if (text.AsSpan().IndexOfAnyInRange('\u0080', '\u009F') >= 0)
        {
            text = string.Create(text.Length, text, static (span, source) =>
            {
                for (var i = 0; i < source.Length; i++)
                {
                    span[i] = source[i] is >= '\u0080' and <= '\u009F' ? Windows1252[source[i] - 0x80] : source[i];
                }
            });
        }

        return text.IsNormalized(NormalizationForm.FormC) ? text : text.Normalize(NormalizationForm.FormC);
    }

    /// <summary>What 0x80–0x9F are in windows-1252; the five it leaves undefined stay controls (and are removed).</summary>
    private const string Windows1252 =
        "\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F"
        + "\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178";

    /// <summary>The HTML parser's reading of markup (what <see cref="SimpleMarkup"/> must equal where it answers).</summary>
    internal static string Render(string html)
    {
        using var document = Parser.Value!.ParseDocument(Guarded(html));
        var output = new StringBuilder(html.Length);
        if (document.Body is { } body)
        {
            Append(body.ChildNodes, output);
        }

        return output.ToString();
    }

    /// <summary>
    /// What a parser would swallow to the end of the text, written as text instead: an opening <c>&lt;!--</c> that
    /// is never closed, or a <c>&lt;script&gt;</c> or <c>&lt;style&gt;</c> without its end tag ("why &lt;script&gt; tags
    /// matter to Micron" is a headline about tags, not a script).
    /// </summary>
    private static string Guarded(string html)
    {
        var comment = html.IndexOf("<!--", StringComparison.Ordinal);
        if (comment >= 0 && html.IndexOf("-->", comment + 4, StringComparison.Ordinal) < 0)
        {
            html = string.Concat(html.AsSpan(0, comment), "&lt;!--", html.AsSpan(comment + 4));
        }

        foreach (var name in (ReadOnlySpan<string>)["script", "style"])
        {
            var open = html.IndexOf("<" + name, StringComparison.OrdinalIgnoreCase);
            if (open >= 0 && html.IndexOf("</" + name, open, StringComparison.OrdinalIgnoreCase) < 0)
            {
                html = string.Concat(html.AsSpan(0, open), "&lt;", html.AsSpan(open + 1));
            }
        }

        return html;
    }

    private static void Append(INodeList nodes, StringBuilder output)
    {
        foreach (var child in nodes)
        {
            switch (child)
            {
                case IText text:
                    output.Append(text.Data);
                    break;
                case IElement element when Unrendered.Contains(element.LocalName):
                    break;
                case IElement element:
                    var block = Blocks.Contains(element.LocalName);
                    if (block)
                    {
                        output.Append(' ');
                    }

                    Append(element.ChildNodes, output);
                    if (block)
                    {
                        output.Append(' ');
                    }

                    break;
            }
        }
    }

    private static string FoldWhitespace(string text, int maxLength)
    {
        var output = new StringBuilder(Math.Min(text.Length, maxLength));
        var pendingSpace = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                pendingSpace = output.Length > 0;
                continue;
            }

            if (char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format)
            {
                continue; // zero-width and direction marks
            }

            // Keep one place for the ellipsis, so the result is never longer than maxLength.
            if (output.Length + (pendingSpace ? 2 : 1) > maxLength - 1)
            {
                output.Append('…');
                break;
            }

            if (pendingSpace)
            {
                output.Append(' ');
                pendingSpace = false;
            }

            output.Append(c);
        }

        return output.ToString();
    }
}
