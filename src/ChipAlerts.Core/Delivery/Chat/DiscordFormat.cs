using System.Text.Json.Nodes;
using ChipAlerts.Core.Routing;

namespace ChipAlerts.Core.Delivery.Chat;

/// <summary>
/// Discord webhooks: one embed per alert, <c>allowed_mentions</c> empty so nothing in it can ping anyone.
/// Limits (discord.com/developers/docs/resources/message#embed-object-embed-limits): title 256, description
/// 4,096, 25 fields of 256/1,024, footer 2,048, 6,000 characters and 10 embeds per message. Long text is cut;
/// a digest too big for one message is split over several.
/// </summary>
public sealed class DiscordFormat : IChatFormat
{
    public const int MaxEmbedsPerMessage = 10;
    public const int MaxCharactersPerMessage = 6000;

    public string Type => "discord";

    public JsonObject Alert(Alert alert) => Message([Embed(alert, 1000)]);

    public IReadOnlyList<JsonObject> Digest(IReadOnlyList<Alert> alerts)
    {
        var messages = new List<JsonObject>();
        var embeds = new List<(JsonObject Embed, int Size)>();
        foreach (var alert in alerts)
        {
            var embed = Embed(alert, 300);
            var size = Size(embed);
            if (embeds.Count == MaxEmbedsPerMessage || embeds.Sum(e => e.Size) + size > MaxCharactersPerMessage)
            {
                messages.Add(Message([.. embeds.Select(e => e.Embed)]));
                embeds.Clear();
            }

            embeds.Add((embed, size));
        }

        messages.Add(Message([.. embeds.Select(e => e.Embed)]));
        messages[0]["content"] = ChatText.Markdown($"ChipAlerts digest: {alerts.Count} new items");
        return messages;
    }

    private static JsonObject Message(IEnumerable<JsonObject> embeds) => new()
    {
        ["username"] = "ChipAlerts",
        ["embeds"] = new JsonArray([.. embeds]),
        ["allowed_mentions"] = new JsonObject { ["parse"] = new JsonArray() },
    };

    private static JsonObject Embed(Alert alert, int summaryLength)
    {
        var embed = new JsonObject
        {
            ["title"] = ChatText.Truncate(ChatText.Markdown(alert.Item.Title), 256),
            ["description"] = ChatText.Truncate(ChatText.Markdown(alert.Item.Summary), summaryLength),
            ["fields"] = new JsonArray([.. alert.Matches.Take(25).Select(m => (JsonNode)new JsonObject
            {
                ["name"] = ChatText.Truncate(ChatText.Markdown(m.WatchList), 256),
                ["value"] = ChatText.Truncate(ChatText.Markdown(m.Explain()), 1024),
                ["inline"] = true,
            })]),
            ["footer"] = new JsonObject { ["text"] = ChatText.Truncate(string.Join(" · ", [alert.FeedName, .. alert.Notes()]), 2048) },
        };
        if (alert.Item.Link is { } link)
        {
            embed["url"] = link;
        }

        if (alert.Item.Published is { } published)
        {
            embed["timestamp"] = published.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        }

        return embed;
    }

    /// <summary>The characters Discord counts against the 6,000 of a message: title, description, field names and values, footer.</summary>
    public static int Size(JsonObject embed) =>
        Length(embed["title"]) + Length(embed["description"]) + Length(embed["footer"]?["text"])
        + (embed["fields"]?.AsArray().Sum(f => Length(f?["name"]) + Length(f?["value"])) ?? 0);

    private static int Length(JsonNode? node) => node?.GetValue<string>().Length ?? 0;
}
