using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Tests.Support;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace ChipAlerts.Core.Tests.Feeds;

/// <summary>
/// The conformance corpus (Fixtures/Conformance, written by its generate.py: one small feed per behaviour,
/// the expected first item beside it). Every fixture is served from 127.0.0.1 with its content type and read
/// as polling reads it: the fetcher, then the parser, at the url the body came from. Its first item must show
/// the title, link, summary and date a reader shows.
/// </summary>
public sealed class ConformanceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string Root = TestPaths.Fixture("Conformance");
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private readonly TempDir dir = new();
    private TestServer server = null!;

    public async Task InitializeAsync() => server = await TestServer.StartAsync();

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        dir.Dispose();
    }

    private sealed record Expected(string About, string Title, string? Link, string Summary, string? Published, string? ContentType, string? RedirectFrom);

    [Fact]
    public async Task EveryFixture_ReadsAsAReaderShowsIt()
    {
        var fixtures = Directory.EnumerateFiles(Root, "*.expected.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var cases = fixtures.Select(Case).ToList();
        using var host = PipelineHost.Create(dir, Configs.With([Configs.Feed("unused", server.Url("/unused"))]));
        var fetcher = host.Get<FeedFetcher>();
        var maxItems = host.Get<IOptions<FetchOptions>>().Value.MaxItems;

        var failures = new List<string>();
        var perCategory = new Dictionary<string, (int Passed, int Total)>(StringComparer.Ordinal);
        var elapsed = TimeSpan.Zero;
        var parsing = TimeSpan.Zero;
        foreach (var (path, expected, url) in cases)
        {
            var category = Path.GetFileName(Path.GetDirectoryName(path))!;
            var started = Stopwatch.GetTimestamp();
            string? problem;
            try
            {
                var requested = expected.RedirectFrom is { } from ? server.Url(from) : url;
                var fetched = await fetcher.FetchAsync(requested, null, null, default);
                var parseStarted = Stopwatch.GetTimestamp();
                var parsed = FeedParser.ParseFeed("conformance", fetched.Body, fetched.Charset, fetched.Location ?? requested, maxItems);
                parsing += Stopwatch.GetElapsedTime(parseStarted);
                elapsed += Stopwatch.GetElapsedTime(started);
                problem = parsed.Items.Count == 0 ? "no items" : Compare(parsed.Items[0], expected, url);
            }
            catch (FeedException e)
            {
                elapsed += Stopwatch.GetElapsedTime(started);
                problem = $"refused: {e.Code}: {e.Message}";
            }

            var (passed, total) = perCategory.GetValueOrDefault(category);
            perCategory[category] = (passed + (problem is null ? 1 : 0), total + 1);
            if (problem is not null)
            {
                failures.Add($"{category}/{Path.GetFileName(path).Replace(".expected.json", "", StringComparison.Ordinal)} ({expected.About}): {problem}");
            }
        }

        var passedAll = cases.Count - failures.Count;
        output.WriteLine($"Conformance: {passedAll} of {cases.Count} fixtures read as expected ({100.0 * passedAll / cases.Count:N1} %), "
            + $"{elapsed.TotalMilliseconds / cases.Count:N2} ms per feed fetched from 127.0.0.1 and parsed, {parsing.TotalMilliseconds / cases.Count:N2} ms of it parsing.");
        foreach (var (category, (passed, total)) in perCategory.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {category}: {passed}/{total}");
        }

        Assert.True(cases.Count >= 300, $"the corpus has {cases.Count} fixtures");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} fixtures read wrong:\n" + string.Join("\n", failures));
    }

    /// <summary>The fixture, what it must read as, and where it is served (with its content type).</summary>
    private (string Path, Expected Expected, Uri Url) Case(string expectedPath)
    {
        var expected = JsonSerializer.Deserialize<Expected>(File.ReadAllText(expectedPath), Web)!;
        var stem = expectedPath[..^".expected.json".Length];
        var body = File.Exists(stem + ".xml") ? stem + ".xml" : stem + ".json";
        var relative = Path.GetRelativePath(Root, body).Replace('\\', '/');
        var path = "/c/" + relative;
        var bytes = File.ReadAllBytes(body);
        var contentType = expected.ContentType ?? (body.EndsWith(".json", StringComparison.Ordinal) ? "application/feed+json" : "application/rss+xml");
        server.Map(path, async context =>
        {
            context.Response.ContentType = contentType;
            await context.Response.Body.WriteAsync(bytes);
        });
        if (expected.RedirectFrom is { } from)
        {
            server.Map(from, context =>
            {
                context.Response.Redirect(path);
                return Task.CompletedTask;
            });
        }

        return (expectedPath, expected, server.Url(path));
    }

    private string? Compare(FeedItem item, Expected expected, Uri url)
    {
        var link = expected.Link?.Replace("{server}", server.BaseUri.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal)
            .Replace("{feed}", url.AbsoluteUri, StringComparison.Ordinal);
        var published = expected.Published is null ? (DateTimeOffset?)null : DateTimeOffset.Parse(expected.Published, CultureInfo.InvariantCulture);
        var wrong = new List<string>();
        if (item.Title != expected.Title)
        {
            wrong.Add($"title '{item.Title}', expected '{expected.Title}'");
        }

        if (item.Link != link)
        {
            wrong.Add($"link '{item.Link}', expected '{link}'");
        }

        if (item.Summary != expected.Summary)
        {
            wrong.Add($"summary '{Short(item.Summary)}', expected '{Short(expected.Summary)}'");
        }

        if (item.Published != published)
        {
            wrong.Add($"published {item.Published:O}, expected {published:O}");
        }

        return wrong.Count == 0 ? null : string.Join("; ", wrong);
    }

    private static string Short(string text) => text.Length <= 90 ? text : text[..90] + "…";
}
