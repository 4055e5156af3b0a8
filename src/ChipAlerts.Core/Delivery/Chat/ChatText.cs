using System.Globalization;
using System.Text;
using ChipAlerts.Core.Routing;

namespace ChipAlerts.Core.Delivery.Chat;

/// <summary>Feed text made safe and short for chat tools. Feed text is untrusted: it must not format, link or mention.</summary>
public static class ChatText
{
    /// <summary>At most <paramref name="max"/> characters (text elements, so no surrogate pair or emoji is cut in half), "…" when cut.</summary>
    public static string Truncate(string text, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= max)
        {
            return text;
        }

        var cut = new StringBuilder();
        var elements = StringInfo.GetTextElementEnumerator(text);
        while (elements.MoveNext() && cut.Length + elements.GetTextElement().Length <= max - 1)
        {
            cut.Append(elements.GetTextElement());
        }

        return cut.Append('…').ToString();
    }

    /// <summary>Slack mrkdwn: &amp;, &lt; and &gt; are the control characters; escaped, no &lt;!channel&gt;, &lt;@U…&gt; or &lt;url|text&gt; can form.</summary>
    public static string Slack(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>
    /// Markdown for Discord and Teams: every formatting character backslash-escaped, and a zero-width space
    /// after each '@', so "@everyone", "@here" and "&lt;@123&gt;" neither mention nor look like a mention.
    /// </summary>
    public static string Markdown(string text)
    {
        var escaped = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (c is '\\' or '*' or '_' or '~' or '`' or '|' or '>' or '<' or '[' or ']' or '(' or ')' or '#' or '-' or '+' or '!')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
            if (c == '@')
            {
                escaped.Append('\u200B');
            }
        }

        return escaped.ToString();
    }

    /// <summary>"Rapidus, Micron · Semiconductor Wire · 2026-05-26 09:00 UTC".</summary>
    public static string Context(Alert alert) =>
        string.Join(" · ", [$"{alert.WatchLists} · {alert.FeedName}" + (alert.Item.Published is { } published ? $" · {published.UtcDateTime:yyyy-MM-dd HH:mm} UTC" : ""), .. alert.Notes()]);
}
