using System.Text.Json.Nodes;
using ChipAlerts.Core.Routing;

namespace ChipAlerts.Core.Delivery.Chat;

/// <summary>
/// Microsoft Teams Workflows webhooks ("Post to a channel when a webhook request is received"): a message
/// whose attachment is an Adaptive Card 1.5. Feed text is Markdown-escaped; a mention needs an
/// <c>msteams.entities</c> entry, which we never send, so no text can mention anyone. Teams refuses
/// payloads over about 28 KB: a digest shows at most <see cref="MaxDigestItems"/> items.
/// </summary>
public sealed class TeamsFormat : IChatFormat
{
    public const int MaxDigestItems = 30;

    public string Type => "teams";

    public JsonObject Alert(Alert alert)
    {
        var body = new JsonArray
        {
            Text(ChatText.Markdown(ChatText.Truncate(alert.Item.Title, 300)), bolder: true),
            Subtle(ChatText.Markdown(ChatText.Context(alert))),
            new JsonObject
            {
                ["type"] = "FactSet",
                ["facts"] = new JsonArray([.. alert.Matches.Select(m => (JsonNode)new JsonObject
                {
                    ["title"] = ChatText.Markdown(m.WatchList),
                    ["value"] = ChatText.Markdown(ChatText.Truncate(m.Explain(), 500)),
                })]),
            },
            Text(ChatText.Markdown(ChatText.Truncate(alert.Item.Summary, 1000))),
        };
        return Envelope(body, alert.Item.Link);
    }

    public IReadOnlyList<JsonObject> Digest(IReadOnlyList<Alert> alerts)
    {
        var body = new JsonArray { Text($"ChipAlerts digest: {alerts.Count} new items", bolder: true) };
        var shown = 0;
        foreach (var group in alerts.SelectMany(a => a.Matches.Select(m => (m.WatchList, Alert: a))).GroupBy(x => x.WatchList, StringComparer.OrdinalIgnoreCase))
        {
            body.Add(Text(ChatText.Markdown($"{group.Key} ({group.Count()})"), bolder: true));
            foreach (var (_, alert) in group.Take(MaxDigestItems - shown))
            {
                var title = ChatText.Markdown(ChatText.Truncate(alert.Item.Title, 200));
                body.Add(Text(alert.Item.Link is { } link ? $"[{title}]({link.Replace(")", "%29", StringComparison.Ordinal)})" : title));
                body.Add(Subtle(ChatText.Markdown(ChatText.Context(alert))));
                shown++;
            }
        }

        var total = alerts.Sum(a => a.Matches.Count);
        if (shown < total)
        {
            body.Add(Subtle($"…and {total - shown} more."));
        }

        return [Envelope(body, link: null)];
    }

    private static JsonObject Envelope(JsonArray body, string? link)
    {
        var card = new JsonObject
        {
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["type"] = "AdaptiveCard",
            ["version"] = "1.5",
            ["body"] = body,
        };
        if (link is not null)
        {
            card["actions"] = new JsonArray(new JsonObject { ["type"] = "Action.OpenUrl", ["title"] = "Read the article", ["url"] = link });
        }

        return new JsonObject
        {
            ["type"] = "message",
            ["attachments"] = new JsonArray(new JsonObject
            {
                ["contentType"] = "application/vnd.microsoft.card.adaptive",
                ["contentUrl"] = null,
                ["content"] = card,
            }),
        };
    }

    private static JsonObject Text(string text, bool bolder = false)
    {
        var block = new JsonObject { ["type"] = "TextBlock", ["text"] = text, ["wrap"] = true };
        if (bolder)
        {
            block["weight"] = "Bolder";
        }

        return block;
    }

    private static JsonObject Subtle(string text) => new()
    {
        ["type"] = "TextBlock",
        ["text"] = text,
        ["wrap"] = true,
        ["isSubtle"] = true,
        ["spacing"] = "None",
        ["size"] = "Small",
    };
}
