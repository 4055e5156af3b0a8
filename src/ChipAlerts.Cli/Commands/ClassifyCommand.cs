using System.ComponentModel;
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
    [Description("Feed files, http(s) feed URLs, folders (every file in them, in name order) or - for standard input. Input that is not a feed is one item: its first line the title, the rest the summary.")]
    public string[] Sources { get; init; } = [];
}

/// <summary>
/// `chipalerts classify &lt;file|url|folder|-&gt;...`: runs the configured watch-lists over feeds or texts and
/// says, per item, which lists matched and why; with --json, one line per input (a corpus is one process).
/// Nothing is stored or sent. An input that cannot be read is said so and the rest go on; the exit code is 1.
/// </summary>
public sealed class ClassifyCommand(CliConsoles consoles) : ConfiguredCommand<ClassifySettings>(consoles)
{
    protected override bool SendsNothing => true;

    protected override async Task<int> RunAsync(IServiceProvider services, LoadedConfig config, ClassifySettings settings, CancellationToken cancellationToken)
    {
        var matcher = services.GetRequiredService<WatchListMatcher>();
        var failed = 0;
        var inputs = Inputs(settings.Sources).ToList();
        foreach (var source in inputs)
        {
            ParsedFeed parsed;
            try
            {
                parsed = await ReadAsync(services, source, cancellationToken);
            }
            catch (Exception e) when (e is FeedException or IOException or UnauthorizedAccessException)
            {
                failed++;
                var code = (e as FeedException)?.Code ?? "unreadable";
                if (settings.Json)
                {
                    CliJson.WriteLine(Console, new { source = Shown(source), error = new { code, message = e.Message } });
                }
                else
                {
                    Errors.MarkupLineInterpolated($"[red]Cannot classify[/] {Shown(source)}: {e.Message}");
                }

                continue;
            }

            var results = parsed.Items.Select(item => MatchView.Result(item, matcher.Match(item))).ToList();
            if (settings.Json)
            {
                CliJson.WriteLine(Console, new { source = Shown(source), title = parsed.Title, parsed.Repairs, parsed.ItemsPastCap, items = results });
            }
            else
            {
                if (inputs.Count > 1)
                {
                    Console.MarkupLineInterpolated($"[bold]{Shown(source)}[/]");
                }

                MatchView.WriteTable(Console, results, showPublished: false);
                Console.MarkupLineInterpolated($"{results.Count} items, {results.Count(r => r.Matches.Count > 0)} matched a watch-list.");
            }
        }

        return failed > 0 ? ExitCodes.Failed : ExitCodes.Ok;
    }

    private static string Shown(string source) => source == ChipAlertsCli.StandardInput ? "-" : source;

    /// <summary>The inputs in order, each folder replaced by the files under it (ordinal name order, so a run is repeatable).</summary>
    private static IEnumerable<string> Inputs(IEnumerable<string> sources) =>
        sources.SelectMany<string, string>(source => Directory.Exists(source)
            ? Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            : [source]);

    // Through the fetcher for all three, so its limits apply: size cap, deadline (files and URLs), decompression.
    // Then the parser's own decoding decides feed or text, as polling reads it.
    private static async Task<ParsedFeed> ReadAsync(IServiceProvider services, string source, CancellationToken cancellationToken)
    {
        var fetcher = services.GetRequiredService<FeedFetcher>();
        byte[] body;
        string? charset = null;
        Uri baseUri;
        if (source == ChipAlertsCli.StandardInput)
        {
            body = await fetcher.ReadCappedAsync(System.Console.OpenStandardInput(), cancellationToken);
            baseUri = new Uri(Path.Combine(Directory.GetCurrentDirectory(), "stdin"));
        }
        else
        {
            baseUri = Uri.TryCreate(source, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" ? url : new Uri(Path.GetFullPath(source));
            var fetched = await fetcher.FetchAsync(baseUri, null, null, cancellationToken);
            (body, charset, baseUri) = (fetched.Body, fetched.Charset, fetched.Location ?? baseUri);
        }

        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<FetchOptions>>().Value;
        return FeedParser.LooksLikeFeed(body, charset)
            ? FeedParser.ParseFeed("classify", body, charset, baseUri, options.MaxItems)
            : new ParsedFeed([TextItem(FeedDecoder.Decode(body, charset))], Repairs: null);
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
