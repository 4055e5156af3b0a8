using System.Text.Json.Nodes;
using ChipAlerts.Core.Routing;

namespace ChipAlerts.Core.Delivery.Chat;

/// <summary>
/// Slack incoming webhooks, Block Kit: a section with the linked title and the summary, a context line per
/// matched list. Limits (api.slack.com/reference/block-kit): 50 blocks, section text 3,000 characters,
/// header 150, fallback text kept under 4,000. Feed text is escaped so it can mention no one.
/// </summary>
public sealed class SlackFormat : IChatFormat
{
    public const int MaxBlocks = 50;
    public const int MaxSectionText = 3000;
    public const int MaxHeaderText = 150;

    public string Type => "slack";

    public JsonObject Alert(Alert alert)
    {
        var blocks = new JsonArray { Section(alert, 500) };
        blocks.Add(Context([.. alert.Matches.Select(m => $"*{ChatText.Slack(m.WatchList)}*: {ChatText.Slack(m.Explain())}"), ChatText.Slack(alert.FeedName), .. alert.Notes().Select(ChatText.Slack)]));
        return new JsonObject
        {
            ["text"] = ChatText.Truncate(ChatText.Slack($"[ChipAlerts] {alert.WatchLists}: {alert.Item.Title}"), 3000),
            ["blocks"] = blocks,
            ["unfurl_links"] = false,
            ["unfurl_media"] = false,
        };
    }

    public IReadOnlyList<JsonObject> Digest(IReadOnlyList<Alert> alerts)
    {
        var blocks = new JsonArray
        {
            new JsonObject
            {
                ["type"] = "header",
                ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = ChatText.Truncate($"ChipAlerts digest: {alerts.Count} new items", MaxHeaderText) },
            },
        };
        var shown = 0;
        foreach (var group in alerts.SelectMany(a => a.Matches.Select(m => (m.WatchList, Alert: a))).GroupBy(x => x.WatchList, StringComparer.OrdinalIgnoreCase))
        {
            if (blocks.Count >= MaxBlocks - 3)
            {
                break;
            }

            blocks.Add(new JsonObject { ["type"] = "section", ["text"] = Mrkdwn($"*{ChatText.Slack(group.Key)}* ({group.Count()})") });
            foreach (var (_, alert) in group)
            {
                if (blocks.Count >= MaxBlocks - 2)
                {
                    break;
                }

                blocks.Add(Section(alert, 200));
                shown++;
            }
        }

        var total = alerts.Sum(a => a.Matches.Count);
        if (shown < total)
        {
            blocks.Add(Context([$"…and {total - shown} more; Slack shows at most {MaxBlocks} blocks in one message."]));
        }

        return [new JsonObject
        {
            ["text"] = $"ChipAlerts digest: {alerts.Count} new items",
            ["blocks"] = blocks,
            ["unfurl_links"] = false,
            ["unfurl_media"] = false,
        }];
    }

    private static JsonObject Section(Alert alert, int summaryLength)
    {
        var title = ChatText.Slack(ChatText.Truncate(alert.Item.Title, 300));
        var linked = alert.Item.Link is { } link ? $"*<{link.Replace("|", "%7C", StringComparison.Ordinal).Replace(">", "%3E", StringComparison.Ordinal)}|{title}>*" : $"*{title}*";
        var text = $"{linked}\n{ChatText.Slack(ChatText.Truncate(alert.Item.Summary, summaryLength))}";
        return new JsonObject { ["type"] = "section", ["text"] = Mrkdwn(ChatText.Truncate(text, MaxSectionText)) };
    }

    private static JsonObject Context(IEnumerable<string> texts) => new()
    {
        ["type"] = "context",
        ["elements"] = new JsonArray([.. texts.Take(10).Select(t => (JsonNode)Mrkdwn(ChatText.Truncate(t, 2000)))]),
    };

    private static JsonObject Mrkdwn(string text) => new() { ["type"] = "mrkdwn", ["text"] = text };
}
