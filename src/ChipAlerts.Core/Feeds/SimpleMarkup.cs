using System.Text;

namespace ChipAlerts.Core.Feeds;

/// <summary>
/// The markup most feeds send (paragraphs, bold, links, line breaks, the common character references) read to text
/// in one pass over the string, the way the HTML parser reads it: block elements separate words, inline ones do not,
/// attributes are skipped (quotes honoured). Anything whose reading depends on the HTML tree builder (tables that
/// foster text, comments, raw-text and unrendered elements, unknown elements, legacy references without a ';') is
/// not answered here: <see cref="TryRender"/> returns null and the real parser reads it. A property test holds the
/// two readings equal on every fixture and on generated markup.
/// </summary>
internal static class SimpleMarkup
{
    /// <summary>Elements read as the parser reads them whatever surrounds them; everything else goes to the parser.</summary>
    private static readonly HashSet<string> Inline = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "font", "i", "ins", "kbd", "mark",
        "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr",
    };

    private static readonly HashSet<string> Block = new(StringComparer.OrdinalIgnoreCase)
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure", "footer",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "img", "li", "main", "nav", "ol", "p", "section", "ul",
    };

    /// <summary>Named references read here; any other goes to the parser (which knows all 2,231 and their legacy forms).</summary>
    private static readonly Dictionary<string, char> Named = new(StringComparer.Ordinal)
    {
        ["amp"] = '&',
        ["lt"] = '<',
        ["gt"] = '>',
        ["quot"] = '"',
        ["apos"] = '\'',
        ["nbsp"] = '\u00A0',
        ["hellip"] = '…',
        ["mdash"] = '—',
        ["ndash"] = '–',
        ["lsquo"] = '‘',
        ["rsquo"] = '’',
        ["ldquo"] = '“',
        ["rdquo"] = '”',
        ["copy"] = '©',
        ["reg"] = '®',
        ["trade"] = '™',
        ["euro"] = '€',
        ["middot"] = '·',
        ["bull"] = '•',
    };

    private static readonly HashSet<string> Void = new(StringComparer.OrdinalIgnoreCase) { "br", "hr", "img", "wbr" };

    public static string? TryRender(string html)
    {
        var output = new StringBuilder(html.Length);
        var open = new List<string>();
        var i = 0;
        while (i < html.Length)
        {
            var c = html[i];
            if (c == '<')
            {
                if (!TryTag(html, ref i, output, open))
                {
                    return null;
                }
            }
            else if (c == '&')
            {
                if (!TryReference(html, ref i, output))
                {
                    return null;
                }
            }
            else if (c == '\0' || c == '\r')
            {
                return null; // the parser's own rules for NUL and CR
            }
            else
            {
                output.Append(c);
                i++;
            }
        }

        return output.ToString();
    }

    /// <summary>
    /// A start or end tag of a known element (attributes skipped): a space for a block, nothing for inline. An end tag
    /// must close the element opened last (the parser's implied closes and ignored end tags are its own to apply),
    /// except &lt;/p&gt; and &lt;/br&gt;, which the parser always reads as a break, and the end tags of void elements,
    /// which it ignores.
    /// </summary>
    private static bool TryTag(string html, ref int i, StringBuilder output, List<string> open)
    {
        var at = i + 1;
        var end = at < html.Length && html[at] == '/';
        if (end)
        {
            at++;
        }

        if (at >= html.Length || !char.IsAsciiLetter(html[at]))
        {
            // "<" not opening a tag ("a < b", "<3") is text, as the parser reads it; "</" or "<!" or "<?" are not ours.
            if (end || at < html.Length && html[at] is '!' or '?')
            {
                return false;
            }

            output.Append('<');
            i++;
            return true;
        }

        var nameStart = at;
        while (at < html.Length && !char.IsWhiteSpace(html[at]) && html[at] is not ('/' or '>'))
        {
            at++;
        }

        var name = html.Substring(nameStart, at - nameStart).ToLowerInvariant();
        var block = Block.Contains(name);
        if (!block && !Inline.Contains(name))
        {
            return false;
        }

        // Attributes: to the '>' that is outside quotes (a value is quoted when its quote follows the '=').
        char? quote = null;
        var previous = ' ';
        for (; at < html.Length; at++)
        {
            var c = html[at];
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }
            }
            else if (c is '"' or '\'' && previous == '=')
            {
                quote = c;
            }
            else if (c == '>')
            {
                break;
            }
            else if (c is '<' or '\0')
            {
                return false;
            }

            previous = char.IsWhiteSpace(c) ? previous : c;
        }

        if (at >= html.Length)
        {
            return false; // an unclosed tag: the parser decides what it swallows
        }

        if (end)
        {
            if (open.Count > 0 && open[^1] == name)
            {
                open.RemoveAt(open.Count - 1);
            }
            else if (name is not ("p" or "br") && !Void.Contains(name))
            {
                return false;
            }

            block &= name is "p" or "br" || !Void.Contains(name);
        }
        else if (!Void.Contains(name))
        {
            open.Add(name);
        }

        if (block)
        {
            output.Append(' ');
        }

        i = at + 1;
        return true;
    }

    /// <summary>A character reference with its ';': decimal, hexadecimal, or one of <see cref="Named"/>.</summary>
    private static bool TryReference(string html, ref int i, StringBuilder output)
    {
        var semicolon = html.IndexOf(';', i + 1);
        if (semicolon < 0 || semicolon - i > 12)
        {
            // A bare '&' followed by what cannot be a reference is text; anything else may be a legacy reference.
            if (i + 1 < html.Length && char.IsAsciiLetterOrDigit(html[i + 1]) || i + 1 < html.Length && html[i + 1] == '#')
            {
                return false;
            }

            output.Append('&');
            i++;
            return true;
        }

        var body = html.AsSpan(i + 1, semicolon - i - 1);
        if (body is ['#', 'x' or 'X', .. var hex] && hex.Length > 0 && int.TryParse(hex, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var code)
            || body is ['#', .. var digits] && digits.Length > 0 && digits.IndexOfAnyExceptInRange('0', '9') < 0 && int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out code))
        {
            // Plain characters only; NUL, surrogates, C1 (windows-1252 there) and noncharacters follow the parser's table.
            if (code is < 0x20 or (>= 0x7F and < 0xA0) or (>= 0xD800 and <= 0xDFFF) or (>= 0xFDD0 and <= 0xFDEF) or > 0xFFFD)
            {
                return false;
            }

            output.Append((char)code);
        }
        else if (Named.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(body, out var named))
        {
            output.Append(named);
        }
        else
        {
            return false;
        }

        i = semicolon + 1;
        return true;
    }
}
