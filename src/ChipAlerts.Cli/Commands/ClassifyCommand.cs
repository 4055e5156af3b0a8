using System.ComponentModel;
using System.Text;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Matching;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ChipAlerts.Cli.Commands;

public sealed class ClassifySettings : CommonSettings
{
    [CommandArgument(0, "<SOURCE>")]
    [Description("A feed file, an http(s) feed URL, or - for standard input. Input that is not XML is one item: its first line the title, the rest the summary.")]
    public string Source { get; init; } = "";
}

/// <summary>
/// `chipalerts classify &lt;file|url|-&gt;`: runs the configured watch-lists over a feed or a text and
/// says, per item, which lists matched and why. Nothing is stored or sent.
/// </summary>
public sealed class ClassifyCommand(IAnsiConsole console) : ConfiguredCommand<ClassifySettings>(console)
{
    /// <summary>The most classify reads from a file or standard input.</summary>
    public const int MaxInputBytes = 16 * 1024 * 1024;

    protected override async Task<int> RunAsync(IServiceProvider services, LoadedConfig config, ClassifySettings settings, CancellationToken cancellationToken)
    {
        IReadOnlyList<FeedItem> items;
        try
        {
            items = await ReadItemsAsync(services, settings.Source, cancellationToken);
        }
        catch (Exception e) when (e is FeedException or IOException or UnauthorizedAccessException)
        {
            Console.MarkupLineInterpolated($"[red]Cannot classify[/] {settings.Source}: {e.Message}");
            return ExitCodes.Failed;
        }

        var matcher = services.GetRequiredService<WatchListMatcher>();
        var results = items.Select(item => MatchView.Result(item, matcher.Match(item))).ToList();
        if (settings.Json)
        {
            MatchView.WriteJson(Console, results);
        }
        else
        {
            MatchView.WriteTable(Console, results, showPublished: false);
            Console.MarkupLineInterpolated($"{results.Count} items, {results.Count(r => r.Matches.Count > 0)} matched a watch-list.");
        }

        return ExitCodes.Ok;
    }

    private static async Task<IReadOnlyList<FeedItem>> ReadItemsAsync(IServiceProvider services, string source, CancellationToken cancellationToken)
    {
        byte[] body;
        string? charset = null;
        Uri baseUri;
        if (source is "-" or ChipAlertsCli.StandardInput)
        {
            body = await ReadCappedAsync(System.Console.OpenStandardInput(), cancellationToken);
            baseUri = new Uri(Path.Combine(Directory.GetCurrentDirectory(), "stdin"));
        }
        else if (Uri.TryCreate(source, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
        {
            // The fetcher's limits apply: deadline, size cap, decompression.
            var fetched = await services.GetRequiredService<FeedFetcher>().FetchAsync(url, null, null, cancellationToken);
            (body, charset, baseUri) = (fetched.Body, fetched.Charset, url);
        }
        else
        {
            var path = Path.GetFullPath(source);
            await using var file = File.OpenRead(path);
            body = await ReadCappedAsync(file, cancellationToken);
            baseUri = new Uri(path);
        }

        return LooksLikeXml(body)
            ? FeedParser.Parse("classify", body, charset, baseUri)
            : [TextItem(Encoding.UTF8.GetString(body))];
    }

    private static async Task<byte[]> ReadCappedAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxInputBytes)
            {
                throw new FeedException("too-large", $"the input is larger than {MaxInputBytes / (1024 * 1024)} MiB.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static bool LooksLikeXml(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 1024)).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        return text.StartsWith('<') || (body.Length >= 2 && (body[0], body[1]) is (0xFF, 0xFE) or (0xFE, 0xFF));
    }

    // Plain text: the first non-empty line is the title, the rest the summary, normalized as feed text is.
    private static FeedItem TextItem(string text)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).SkipWhile(string.IsNullOrWhiteSpace).ToList();
        var title = lines.Count > 0 ? lines[0] : "";
        var summary = string.Join("\n", lines.Skip(1));
        return new FeedItem
        {
            FeedId = "classify",
            Key = ItemKeys.Hash(title + "\n" + summary),
            Title = TextNormalizer.ToPlainText(title, FeedParser.MaxTitleLength),
            Summary = TextNormalizer.ToPlainText(summary, FeedParser.MaxSummaryLength),
        };
    }
}
