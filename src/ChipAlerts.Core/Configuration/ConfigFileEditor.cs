using System.Text;
using System.Text.Json;

namespace ChipAlerts.Core.Configuration;

/// <summary>
/// Adds feeds to a configuration file as text, so everything else in it (comments, order, layout) stays
/// as its author wrote it. The result is validated before it replaces the file; a file that would not
/// load is never written.
/// </summary>
public static class ConfigFileEditor
{
    private static readonly JsonSerializerOptions Strings = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The text of <paramref name="json"/> with <paramref name="feeds"/> appended to its "feeds" array.</summary>
    public static string AddFeeds(string json, IReadOnlyList<FeedConfig> feeds)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var (end, lastElementEnd, indent) = FindFeedsArray(bytes);
        var entries = string.Join(",", feeds.Select(f => $"\n{indent}{Entry(f)}"));
        var closingIndent = indent.Length >= 2 ? indent[..^2] : "";
        var insertAt = lastElementEnd ?? end;
        var before = Encoding.UTF8.GetString(bytes, 0, insertAt);
        var after = Encoding.UTF8.GetString(bytes, insertAt, bytes.Length - insertAt);
        return lastElementEnd is null
            ? before + entries + "\n" + closingIndent + after.TrimStart()
            : before + "," + entries + after;
    }

    /// <summary>One line, in the style of the samples: { "id": "…", "name": "…", "url": "…" }.</summary>
    private static string Entry(FeedConfig feed) =>
        $"{{ \"id\": {Quote(feed.Id)}, " + (feed.Name is null ? "" : $"\"name\": {Quote(feed.Name)}, ") + $"\"url\": {Quote(feed.Url)} }}";

    private static string Quote(string text) => JsonSerializer.Serialize(text, Strings);

    /// <summary>Adds the feeds to the file at <paramref name="path"/>, after checking that the result loads; throws <see cref="ConfigurationException"/> otherwise.</summary>
    public static void AddFeeds(string path, IReadOnlyList<FeedConfig> feeds, Microsoft.Extensions.Configuration.IConfiguration settings)
    {
        var edited = AddFeeds(File.ReadAllText(path), feeds);
        var check = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(check, edited);
        try
        {
            ConfigLoader.Load(check, settings);
            File.Move(check, path, overwrite: true);
        }
        finally
        {
            File.Delete(check);
        }
    }

    /// <summary>Where the root's "feeds" array closes, where its last element ends (null when empty), and the indentation of its elements.</summary>
    private static (int End, int? LastElementEnd, string Indent) FindFeedsArray(byte[] bytes)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        int? lastElementEnd = null;
        var indent = "    ";
        var inFeeds = false;
        while (reader.Read())
        {
            if (!inFeeds)
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("feeds"))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        break;
                    }

                    inFeeds = true;
                }

                continue;
            }

            if (reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == 1)
            {
                return ((int)reader.TokenStartIndex, lastElementEnd, indent);
            }

            if (reader.CurrentDepth == 2 && reader.TokenType is JsonTokenType.StartObject)
            {
                if (lastElementEnd is null)
                {
                    indent = IndentOf(bytes, (int)reader.TokenStartIndex);
                }

                reader.Skip();
                lastElementEnd = (int)reader.BytesConsumed;
            }
        }

        throw new ConfigurationException("configuration", [new ConfigError("feeds", "the file has no \"feeds\": [ … ] array to add to; add \"feeds\": [] at the top level.")]);
    }

    private static string IndentOf(byte[] bytes, int index)
    {
        var start = index;
        while (start > 0 && bytes[start - 1] is (byte)' ' or (byte)'\t')
        {
            start--;
        }

        return start > 0 && bytes[start - 1] == '\n' ? Encoding.UTF8.GetString(bytes, start, index - start) : "    ";
    }
}
