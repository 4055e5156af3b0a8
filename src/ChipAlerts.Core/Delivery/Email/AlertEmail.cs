using System.Globalization;
using System.Net;
using System.Text;
using ChipAlerts.Core.Matching;
using ChipAlerts.Core.Routing;
using MimeKit;

namespace ChipAlerts.Core.Delivery.Email;

/// <summary>
/// Composes the email of one alert: multipart text and HTML saying what matched and why. Feed text is
/// untrusted: HTML-encoded in the HTML part, and stripped of line breaks wherever it reaches a header.
/// </summary>
public static class AlertEmail
{
    /// <summary>
    /// The email of one alert; <paramref name="unsubscribe"/> is the recipient's signed unsubscribe link, when
    /// an endpoint is configured; times are in the reader's <paramref name="zone"/> (UTC when not given).
    /// </summary>
    public static MimeMessage Compose(Alert alert, MailboxAddress from, DateTimeOffset date, Uri? unsubscribe = null, TimeZoneInfo? zone = null, Uri? unsubscribeMailto = null)
    {
        var message = new MimeMessage();
        message.From.Add(from);
        message.To.Add(MailboxAddress.Parse(alert.Channel.Target));
        message.Subject = OneLine($"[ChipAlerts] {alert.WatchLists}: {alert.Item.Title}", 200);
        message.Date = date;
        // Stable across resends of the same alert, so a receiving system can drop a duplicate.
        message.MessageId = $"{alert.AlertId}@{Domain(from)}";
        message.Headers.Add("X-ChipAlerts-Alert-Id", alert.AlertId);
        AddListHeaders(message, alert.SubscriberId, from, unsubscribe, unsubscribeMailto);

        var body = new BodyBuilder { TextBody = Text(alert, unsubscribe, zone ?? TimeZoneInfo.Utc), HtmlBody = Html(alert, unsubscribe, zone ?? TimeZoneInfo.Utc) };
        message.Body = body.ToMessageBody();
        return message;
    }

    /// <summary>
    /// One email for several alerts of one recipient, grouped by watch-list (an item under every list it
    /// matched), the lists in the order of <paramref name="listOrder"/> (the configuration's), whatever order the alerts came in.
    /// </summary>
    public static MimeMessage ComposeDigest(IReadOnlyList<Alert> alerts, string digestId, MailboxAddress from, DateTimeOffset date, IReadOnlyList<string> listOrder, Uri? unsubscribe = null, Uri? unsubscribeMailto = null)
    {
        var rank = listOrder.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i, StringComparer.OrdinalIgnoreCase);
        var groups = alerts
            .SelectMany(a => a.Matches.Select(m => (List: m.WatchList, Alert: a, Match: m)))
            .GroupBy(x => x.List, StringComparer.OrdinalIgnoreCase)
            .OrderBy(g => rank.GetValueOrDefault(g.Key, int.MaxValue))
            .ThenBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .ToList();
        var message = new MimeMessage();
        message.From.Add(from);
        message.To.Add(MailboxAddress.Parse(alerts[0].Channel.Target));
        message.Subject = OneLine($"[ChipAlerts] Digest: {alerts.Count} new items on {string.Join(", ", groups.Select(g => g.Key))}", 200);
        message.Date = date;
        message.MessageId = $"{digestId}@{Domain(from)}";
        message.Headers.Add("X-ChipAlerts-Digest-Id", digestId);
        AddListHeaders(message, alerts[0].SubscriberId, from, unsubscribe, unsubscribeMailto);

        var text = new StringBuilder();
        var html = new StringBuilder("<!DOCTYPE html><html><body style=\"font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.45;color:#1f2328;max-width:640px\">");
        foreach (var group in groups)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{group.Key} ({group.Count()})").AppendLine();
            html.Append(CultureInfo.InvariantCulture, $"<h2 style=\"font-size:18px;margin:16px 0 8px\">{E(group.Key)} ({group.Count()})</h2><ul style=\"padding-left:18px\">");
            foreach (var (_, alert, match) in group)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- {alert.Item.Title}");
                text.AppendLine(CultureInfo.InvariantCulture, $"  {alert.FeedName}{(alert.Item.Link is null ? "" : " · " + alert.Item.Link)}");
                text.AppendLine(CultureInfo.InvariantCulture, $"  matched {match.Explain()}");
                var notes = alert.Notes().ToList();
                foreach (var note in notes)
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"  {note}");
                }

                var title = alert.Item.Link is null ? E(alert.Item.Title) : $"<a href=\"{E(alert.Item.Link)}\" style=\"color:#0969da\">{E(alert.Item.Title)}</a>";
                html.Append(CultureInfo.InvariantCulture, $"<li style=\"margin-bottom:8px\">{title}<br><span style=\"color:#57606a;font-size:13px\">{E(alert.FeedName)} · matched {E(match.Explain())}{string.Concat(notes.Select(n => "<br>" + E(n)))}</span></li>");
            }

            text.AppendLine();
            html.Append("</ul>");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"ChipAlerts digest {digestId}.{TextUnsubscribe(unsubscribe)}");
        html.Append(CultureInfo.InvariantCulture, $"<p style=\"color:#8c959f;font-size:12px\">ChipAlerts digest {E(digestId)}.{HtmlUnsubscribe(unsubscribe)}</p></body></html>");
        message.Body = new BodyBuilder { TextBody = text.ToString(), HtmlBody = html.ToString() }.ToMessageBody();
        return message;
    }

    /// <summary>
    /// List-Id names the stream (the subscriber's alerts) so clients can filter it; with a link,
    /// List-Unsubscribe and List-Unsubscribe-Post make the client's own "Unsubscribe" one click (RFC 8058);
    /// with a mailbox, List-Unsubscribe also offers the mailto: form (RFC 2369) to clients that only know it.
    /// </summary>
    private static void AddListHeaders(MimeMessage message, string subscriberId, MailboxAddress from, Uri? unsubscribe, Uri? unsubscribeMailto)
    {
        var label = new string([.. subscriberId.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]).Trim('-');
        message.Headers.Add("List-Id", $"ChipAlerts <{(label.Length > 0 ? label : "alerts")}.{Domain(from)}>");
        var targets = new[] { unsubscribe, unsubscribeMailto }.OfType<Uri>().Select(u => $"<{u.AbsoluteUri}>").ToList();
        if (targets.Count > 0)
        {
            message.Headers.Add("List-Unsubscribe", string.Join(", ", targets));
        }

        if (unsubscribe is not null)
        {
            message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }
    }

    private static string TextUnsubscribe(Uri? unsubscribe) => unsubscribe is null ? "" : $"\nUnsubscribe: {unsubscribe.AbsoluteUri}";

    private static string HtmlUnsubscribe(Uri? unsubscribe) =>
        unsubscribe is null ? "" : $" <a href=\"{E(unsubscribe.AbsoluteUri)}\" style=\"color:#57606a\">Unsubscribe</a>";

    /// <summary>"2023-05-26 09:00 Asia/Tokyo (UTC+09:00)": the reader's own time, with the zone named.</summary>
    internal static string Time(DateTimeOffset instant, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(instant, zone);
        return zone == TimeZoneInfo.Utc || zone.Id is "UTC" or "Etc/UTC"
            ? $"{local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC"
            : $"{local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} {zone.Id} (UTC{(local.Offset < TimeSpan.Zero ? "-" : "+")}{local.Offset:hh\\:mm})";
    }

    private static string Text(Alert alert, Uri? unsubscribe, TimeZoneInfo zone)
    {
        var item = alert.Item;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{alert.WatchLists}: new item from {alert.FeedName}");
        text.AppendLine();
        text.AppendLine(item.Title);
        if (item.Link is not null)
        {
            text.AppendLine(item.Link);
        }

        if (item.Published is { } published)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Published {Time(published, zone)}");
        }

        text.AppendLine();
        text.AppendLine("Why you got this:");
        foreach (var match in alert.Matches)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {match.WatchList}: matched {match.Explain()}");
            foreach (var evidence in match.Evidence.Take(3))
            {
                var (before, after) = Ellipses(alert, evidence);
                text.AppendLine(CultureInfo.InvariantCulture, $"    \"{before}{evidence.Snippet[..evidence.StartInSnippet]}«{evidence.Matched}»{evidence.Snippet[(evidence.StartInSnippet + evidence.Length)..]}{after}\"");
            }
        }

        foreach (var note in alert.Notes())
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
        }

        if (item.Summary.Length > 0)
        {
            text.AppendLine();
            text.AppendLine(item.Summary);
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"You follow {alert.WatchLists} on ChipAlerts. Alert {alert.AlertId}.{TextUnsubscribe(unsubscribe)}");
        return text.ToString();
    }

    private static string Html(Alert alert, Uri? unsubscribe, TimeZoneInfo zone)
    {
        var item = alert.Item;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><body style=\"font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.45;color:#1f2328;max-width:640px\">");
        html.Append(CultureInfo.InvariantCulture, $"<p style=\"margin:0 0 4px;color:#57606a;font-size:13px\">{E(alert.WatchLists)} · {E(alert.FeedName)}</p>");
        var title = E(item.Title);
        html.Append(item.Link is null
            ? $"<h2 style=\"margin:0 0 8px;font-size:20px\">{title}</h2>"
            : $"<h2 style=\"margin:0 0 8px;font-size:20px\"><a href=\"{E(item.Link)}\" style=\"color:#0969da;text-decoration:none\">{title}</a></h2>");
        if (item.Published is { } published)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p style=\"margin:0 0 12px;color:#57606a;font-size:13px\">Published {E(Time(published, zone))}</p>");
        }

        html.Append("<div style=\"border-left:3px solid #d0d7de;padding:4px 12px;margin:12px 0\"><p style=\"margin:0 0 6px;font-weight:600\">Why you got this</p><ul style=\"margin:0;padding-left:18px\">");
        foreach (var match in alert.Matches)
        {
            html.Append(CultureInfo.InvariantCulture, $"<li><strong>{E(match.WatchList)}</strong>: matched {E(match.Explain())}");
            foreach (var evidence in match.Evidence.Take(3))
            {
                var (before, after) = Ellipses(alert, evidence);
                html.Append(CultureInfo.InvariantCulture, $"<br><span style=\"color:#57606a\">{before}{Marked(evidence)}{after}</span>");
            }

            html.Append("</li>");
        }

        foreach (var note in alert.Notes())
        {
            html.Append(CultureInfo.InvariantCulture, $"<li>{E(note)}</li>");
        }

        html.Append("</ul></div>");
        if (item.Summary.Length > 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p>{E(item.Summary)}</p>");
        }

        html.Append(CultureInfo.InvariantCulture, $"<p style=\"color:#8c959f;font-size:12px\">You follow {E(alert.WatchLists)} on ChipAlerts. Alert {E(alert.AlertId)}.{HtmlUnsubscribe(unsubscribe)}</p></body></html>");
        return html.ToString();
    }

    /// <summary>"…" only where the snippet cuts the field.</summary>
    private static (string Before, string After) Ellipses(Alert alert, MatchEvidence evidence)
    {
        var field = evidence.Field switch
        {
            MatchEvidence.Title => alert.Item.Title,
            MatchEvidence.Summary => alert.Item.Summary,
            _ => evidence.Snippet, // the source (feed id and link host) is shown whole
        };
        return (evidence.SnippetStart > 0 ? "…" : "", evidence.SnippetStart + evidence.Snippet.Length < field.Length ? "…" : "");
    }

    private static string Marked(MatchEvidence evidence)
    {
        var at = Math.Clamp(evidence.StartInSnippet, 0, evidence.Snippet.Length);
        var length = Math.Clamp(evidence.Length, 0, evidence.Snippet.Length - at);
        return E(evidence.Snippet[..at])
            + "<mark>" + E(evidence.Snippet.Substring(at, length)) + "</mark>"
            + E(evidence.Snippet[(at + length)..]);
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    /// <summary>Header-safe: no CR, LF or other control characters, bounded length.</summary>
    internal static string OneLine(string text, int maxLength)
    {
        var clean = new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
        return clean.Length <= maxLength ? clean : clean[..(maxLength - 1)] + "…";
    }

    private static string Domain(MailboxAddress from) =>
        from.Address.Split('@') is [_, var domain] && domain.Length > 0 ? domain : "chipalerts.local";
}
