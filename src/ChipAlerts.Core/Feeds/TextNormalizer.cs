using System.Net;
using System.Text;

namespace ChipAlerts.Core.Feeds;

/// <summary>
/// Feed text to plain text: tags dropped (script and style with their content), entities decoded,
/// Unicode NFKC (full-width and compatibility forms folded), control characters removed, whitespace folded.
/// </summary>
public static class TextNormalizer
{
    public static string ToPlainText(string? html, int maxLength)
    {
        if (string.IsNullOrEmpty(html))
        {
            return "";
        }

        var text = WebUtility.HtmlDecode(StripTags(html));
        // Double-escaped feeds ("&amp;lt;b&amp;gt;") leave tags after the first decoding.
        if (text.Contains('<', StringComparison.Ordinal) && text.Contains('>', StringComparison.Ordinal))
        {
            text = WebUtility.HtmlDecode(StripTags(text));
        }

        text = text.Normalize(NormalizationForm.FormKC);
        return FoldWhitespace(text, maxLength);
    }

    private static string StripTags(string html)
    {
        var output = new StringBuilder(html.Length);
        var i = 0;
        while (i < html.Length)
        {
            var c = html[i];
            if (c != '<' || i + 1 >= html.Length || !(char.IsLetter(html[i + 1]) || html[i + 1] is '/' or '!' or '?'))
            {
                output.Append(c);
                i++;
                continue;
            }

            if (string.CompareOrdinal(html, i, "<!--", 0, 4) == 0)
            {
                var endComment = html.IndexOf("-->", i + 4, StringComparison.Ordinal);
                i = endComment < 0 ? html.Length : endComment + 3;
                continue;
            }

            var end = html.IndexOf('>', i + 1);
            if (end < 0)
            {
                break;
            }

            var tag = html.AsSpan(i + 1, end - i - 1);
            var skipTo = SkipContent(html, tag, end);
            // Tags separate words: "<p>one</p><p>two</p>" reads "one two".
            output.Append(' ');
            i = skipTo;
        }

        return output.ToString();
    }

    private static int SkipContent(string html, ReadOnlySpan<char> tag, int end)
    {
        foreach (var name in (ReadOnlySpan<string>)["script", "style"])
        {
            if (tag.StartsWith(name, StringComparison.OrdinalIgnoreCase))
            {
                var close = html.IndexOf("</" + name, end, StringComparison.OrdinalIgnoreCase);
                if (close < 0)
                {
                    return html.Length;
                }

                var closeEnd = html.IndexOf('>', close);
                return closeEnd < 0 ? html.Length : closeEnd + 1;
            }
        }

        return end + 1;
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
