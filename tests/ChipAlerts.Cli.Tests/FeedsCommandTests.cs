using System.Text.Json;
using ChipAlerts.Cli.Tests.Support;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Cli.Tests;

/// <summary>`chipalerts feeds` and its import, export and add; add reads from a real server on 127.0.0.1.</summary>
[Collection(EnvironmentCollection.Name)]
public sealed class FeedsCommandTests : IDisposable
{
    private const string AllowPrivate = "ChipAlerts__Fetch__AllowPrivateNetworks";
    private const string Rss = """<rss version="2.0"><channel><title>Semis News</title><item><title>Rapidus ships</title><guid>1</guid></item><item><title>Micron grows</title><guid>2</guid></item></channel></rss>""";
    private readonly TempDir dir = new();
    private readonly PlainHttpServer server = PlainHttpServer.Start(new Dictionary<string, (string, string)>
    {
        ["/news/"] = ("""
            <!DOCTYPE html><html><head><title>Semis News</title>
            <link rel="stylesheet" href="/style.css">
            <link rel="alternate" type="application/rss+xml" title="Semis News RSS" href="/news/rss.xml">
            <link rel="alternate" type="application/atom+xml" title="Semis News Atom" href="atom.xml">
            </head><body>…</body></html>
            """, "text/html; charset=utf-8"),
        ["/news/rss.xml"] = (Rss, "application/rss+xml"),
        ["/news/atom.xml"] = ("""<feed xmlns="http://www.w3.org/2005/Atom"><title>Semis Atom</title></feed>""", "application/atom+xml"),
        ["/plain"] = ("<!DOCTYPE html><html><head><title>x</title></head><body>no feeds</body></html>", "text/html"),
    });

    public void Dispose()
    {
        server.Dispose();
        dir.Dispose();
    }

    private string Url(string path) => server.Url + path.TrimStart('/');

    private string[] On(string config, params string[] args) =>
        [.. args, "--config", config, "--data", dir.File("data/chipalerts.db"), "--outbox", dir.File("outbox")];

    [Fact]
    public async Task Feeds_AfterACycle_TableAndJsonSayEachFeedsHealth()
    {
        var config = CliRunner.WriteSamples(dir, json => json.Replace(
            "\"feeds\": [",
            $"\"feeds\": [\n    {{ \"id\": \"down\", \"name\": \"Down\", \"url\": \"{Url("/down")}\" }},",
            StringComparison.Ordinal));
        await CliRunner.RunWithEnvironmentAsync(AllowPrivate, "true", On(config, "once"));

        var table = await CliRunner.RunAsync(On(config, "feeds"));
        var json = await CliRunner.RunAsync(On(config, "feeds", "--json"));

        Assert.Equal(0, table.ExitCode);
        Assert.Matches(@"│ down\s+│ failing ×1\s+│ never\s+│ in \d+ min\s+│\s+│ http-404: the server answered 404 Not Found\.", table.Output);
        Assert.Matches(@"│ semiconductor-wire\s+│ (ok|stale)\s+│ \d+ s ago", table.Output);
        var feeds = JsonDocument.Parse(json.Output).RootElement.EnumerateArray().ToList();
        Assert.Equal(["down", "semiconductor-wire", "policy-desk", "tech-digest-asia"], feeds.Select(f => f.GetProperty("feedId").GetString()));
        Assert.Equal("failing", feeds[0].GetProperty("status").GetString());
        Assert.Equal("http-404", feeds[0].GetProperty("lastErrorCode").GetString());
        Assert.Equal(18, feeds[1].GetProperty("itemsSeen").GetInt64());
    }

    [Fact]
    public async Task ExportThenImport_IntoAnotherConfiguration_AddsTheFeedsItLacks()
    {
        var source = CliRunner.WriteSamples(dir, json => json.Replace(
            "\"feeds\": [",
            "\"feeds\": [\n    { \"id\": \"wire-web\", \"name\": \"Wire & Web\", \"url\": \"https://wire.example.com/rss?x=1&y=2\" },\n    { \"id\": \"desk-web\", \"name\": \"Policy Desk\", \"url\": \"https://policy2.example.com/atom\" },",
            StringComparison.Ordinal));
        var opml = dir.File("feeds.opml");
        Assert.Equal(0, (await CliRunner.RunAsync(On(source, "feeds", "export", "--output", opml))).ExitCode);

        Directory.CreateDirectory(dir.File("other"));
        var target = Path.Combine(dir.File("other"), "chipalerts.json");
        var original = """
            {
              // a comment the import must keep
              "feeds": [
                { "id": "policy-desk", "url": "https://policy.example.com/atom" }
              ],
              "watchLists": [ { "name": "AI", "query": "=AI" } ],
              "subscribers": []
            }
            """;
        await File.WriteAllTextAsync(target, original);
        var import = await CliRunner.RunAsync(On(target, "feeds", "import", opml));

        Assert.Equal(0, import.ExitCode);
        Assert.Contains("added as wire-web", import.Output, StringComparison.Ordinal);
        Assert.Contains("added as policy-desk-2", import.Output, StringComparison.Ordinal); // the id is taken
        var written = await File.ReadAllTextAsync(target);
        Assert.Contains("// a comment the import must keep", written, StringComparison.Ordinal);
        Assert.Contains("""{ "id": "wire-web", "name": "Wire & Web", "url": "https://wire.example.com/rss?x=1&y=2" }""", written, StringComparison.Ordinal);
        Assert.Contains("skipped: a file on this machine", import.Output, StringComparison.Ordinal); // the bundled samples are local files
        Assert.Contains("OK: 3 feeds", (await CliRunner.RunAsync(On(target, "check"))).Output, StringComparison.Ordinal);

        var again = await CliRunner.RunAsync(On(target, "feeds", "import", opml));
        Assert.Contains("Nothing to add", again.Output, StringComparison.Ordinal);
        Assert.Equal(written, await File.ReadAllTextAsync(target));
    }

    [Fact]
    public async Task Import_AnOpmlFromElsewhere_GetsThePollingGuard_NoLocalFilesNoPrivateAddresses()
    {
        var opml = dir.File("hostile.opml");
        await File.WriteAllTextAsync(opml, """
            <opml version="2.0"><head><title>t</title></head><body>
              <outline type="rss" text="Passwords" xmlUrl="file:///etc/passwd"/>
              <outline type="rss" text="Metadata" xmlUrl="http://169.254.169.254/latest/meta-data/"/>
              <outline type="rss" text="Router" xmlUrl="http://192.168.1.1/feed"/>
              <outline type="rss" text="Self" xmlUrl="http://localhost:8080/rss"/>
              <outline type="rss" text="Six" xmlUrl="http://[::1]/rss"/>
              <outline type="rss" text="Real" xmlUrl="https://news.example.com/rss"/>
            </body></opml>
            """);
        var target = dir.File("import.json");
        await File.WriteAllTextAsync(target, """{ "feeds": [ { "id": "x", "url": "https://x.example.com/rss" } ], "watchLists": [ { "name": "AI", "query": "=AI" } ], "subscribers": [] }""");

        var import = await CliRunner.RunAsync(On(target, "feeds", "import", opml));

        Assert.Equal(0, import.ExitCode);
        Assert.Equal(1, CountOf(import.Output, "skipped: a file on this machine"));
        Assert.Equal(4, CountOf(import.Output, "skipped: a loopback or private-network address"));
        var written = await File.ReadAllTextAsync(target);
        Assert.Contains("https://news.example.com/rss", written, StringComparison.Ordinal);
        Assert.DoesNotContain("passwd", written, StringComparison.Ordinal);
        Assert.DoesNotContain("169.254", written, StringComparison.Ordinal);
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    [Fact]
    public async Task Import_NotOpml_SaysSoAndChangesNothing()
    {
        var config = CliRunner.WriteSamples(dir, json => json);
        var before = await File.ReadAllTextAsync(config);
        var bad = dir.File("bad.opml");
        await File.WriteAllTextAsync(bad, """<?xml version="1.0"?><!DOCTYPE opml [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]><opml><body/></opml>""");

        var result = await CliRunner.RunAsync(On(config, "feeds", "import", bad));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Cannot import", result.Errors, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(config));
    }

    [Fact]
    public async Task Add_WebPage_DiscoversItsFeedShowsItAndAddsIt()
    {
        var config = CliRunner.WriteSamples(dir, json => json);

        var dry = await CliRunner.RunWithEnvironmentAsync(AllowPrivate, "true", On(config, "feeds", "add", Url("/news/"), "--dry-run"));
        var unchanged = await File.ReadAllTextAsync(config);
        var added = await CliRunner.RunWithEnvironmentAsync(AllowPrivate, "true", On(config, "feeds", "add", Url("/news/")));
        var twice = await CliRunner.RunWithEnvironmentAsync(AllowPrivate, "true", On(config, "feeds", "add", Url("/news/rss.xml")));

        Assert.Equal(0, dry.ExitCode);
        Assert.Contains("is a web page; it announces 2 feed(s):", dry.Output, StringComparison.Ordinal);
        Assert.Contains($"1. Semis News RSS (application/rss+xml) {Url("/news/rss.xml")}", dry.Output, StringComparison.Ordinal);
        Assert.Contains($"2. Semis News Atom (application/atom+xml) {Url("/news/atom.xml")}", dry.Output, StringComparison.Ordinal);
        Assert.Contains($"Feed Semis News at {Url("/news/rss.xml")}: 2 items.", dry.Output, StringComparison.Ordinal);
        Assert.Contains("• Rapidus ships", dry.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("semis-news", unchanged, StringComparison.Ordinal);
        Assert.Contains("Added semis-news to", added.Output, StringComparison.Ordinal);
        Assert.Contains("For each, its first poll records what it finds and alerts only on items published in the 1 day before it.", added.Output, StringComparison.Ordinal);
        Assert.Contains($"{{ \"id\": \"semis-news\", \"name\": \"Semis News\", \"url\": \"{Url("/news/rss.xml")}\" }}", await File.ReadAllTextAsync(config), StringComparison.Ordinal);
        Assert.Contains("Nothing to add from http://127.0.0.1:", twice.Output, StringComparison.Ordinal);
        Assert.Contains(": it is already configured.", twice.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_WithJson_PrintsTheOutcomeAsJson_AndThePreviewOnStderr()
    {
        var config = CliRunner.WriteSamples(dir, json => json);

        var added = await CliRunner.RunWithEnvironmentAsync(AllowPrivate, "true", On(config, "feeds", "add", Url("/news/rss.xml"), "--json"));

        Assert.Equal(0, added.ExitCode);
        using var outcome = JsonDocument.Parse(added.Output);
        Assert.Equal(config, outcome.RootElement.GetProperty("configuration").GetString());
        Assert.Equal("semis-news", outcome.RootElement.GetProperty("added")[0].GetProperty("id").GetString());
        Assert.Contains("Feed Semis News at", added.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_PageWithoutFeeds_SaysSo()
    {
        var config = CliRunner.WriteSamples(dir, json => json);

        var result = await CliRunner.RunWithEnvironmentAsync(AllowPrivate, "true", On(config, "feeds", "add", Url("/plain")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("it is not a feed (html-page) and names none in <link rel=\"alternate\">", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_LoopbackUrl_IsRefusedByTheNetworkGuardByDefault()
    {
        var config = CliRunner.WriteSamples(dir, json => json);

        var result = await CliRunner.RunAsync(On(config, "feeds", "add", Url("/news/")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("blocked-address", result.Errors, StringComparison.Ordinal);
        Assert.Empty(server.RequestLines);
    }
}
