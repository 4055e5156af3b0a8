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
public sealed class ClassifyCommand(CliConsoles consoles) : ConfiguredCommand<ClassifySettings>(consoles)
{
    protected override bool SendsNothing => true;

    protected override async Task<int> RunAsync(IServiceProvider services, LoadedConfig config, ClassifySettings settings, CancellationToken cancellationToken)
    {
        IReadOnlyList<FeedItem> items;
        try
        {
            items = await ReadItemsAsync(services, settings.Source, cancellationToken);
        }
        catch (Exception e) when (e is FeedException or IOException or UnauthorizedAccessException)
        {
            Errors.MarkupLineInterpolated($"[red]Cannot classify[/] {settings.Source}: {e.Message}");
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

    // Through the fetcher for all three, so its limits apply: size cap, deadline (files and URLs), decompression.
    private static async Task<IReadOnlyList<FeedItem>> ReadItemsAsync(IServiceProvider services, string source, CancellationToken cancellationToken)
    {
        var fetcher = services.GetRequiredService<FeedFetcher>();
        byte[] body;
        string? charset = null;
        Uri baseUri;
        if (source is "-" or ChipAlertsCli.StandardInput)
        {
            body = await fetcher.ReadCappedAsync(System.Console.OpenStandardInput(), cancellationToken);
            baseUri = new Uri(Path.Combine(Directory.GetCurrentDirectory(), "stdin"));
        }
        else
        {
            baseUri = Uri.TryCreate(source, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" ? url : new Uri(Path.GetFullPath(source));
            var fetched = await fetcher.FetchAsync(baseUri, null, null, cancellationToken);
            (body, charset) = (fetched.Body, fetched.Charset);
        }

        return LooksLikeXml(body)
            ? FeedParser.Parse("classify", body, charset, baseUri)
            : [TextItem(Encoding.UTF8.GetString(body))];
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
