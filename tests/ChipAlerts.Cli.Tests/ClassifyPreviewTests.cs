using System.Text.Json;
using ChipAlerts.Cli.Tests.Support;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Cli.Tests;

public sealed class ClassifyPreviewTests : IDisposable
{
    private readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    private static string Config => Path.Combine(TestPaths.Samples, "chipalerts.json");

    private static string SampleFeed(string name) => Path.Combine(TestPaths.Samples, "feeds", name);

    [Fact]
    public async Task Classify_FeedFile_SaysPerItemWhichListsMatchedAndWhy()
    {
        var result = await CliRunner.RunAsync("classify", SampleFeed("semiconductor-wire.xml"), "--config", Config, "--json");

        Assert.Equal(0, result.ExitCode);
        var line = JsonDocument.Parse(result.Output).RootElement;
        Assert.Equal(SampleFeed("semiconductor-wire.xml"), line.GetProperty("source").GetString());
        var items = line.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(18, items.Count);
        var seed = items.Single(i => i.GetProperty("title").GetString()!.StartsWith("Japan and US to commit", StringComparison.Ordinal));
        Assert.Equal(["Rapidus", "Micron", "Export controls", "AI", "Quantum"], seed.GetProperty("matches").EnumerateArray().Select(m => m.GetProperty("watchList").GetString()));
        var micron = seed.GetProperty("matches")[1];
        Assert.Equal("Micron Technology in summary; MU.O in summary", micron.GetProperty("explanation").GetString());
        var evidence = micron.GetProperty("evidence")[0];
        Assert.Equal("summary", evidence.GetProperty("field").GetString());
        Assert.Equal("Micron Technology", evidence.GetProperty("matched").GetString());
        Assert.Contains(items, i => i.GetProperty("matches").GetArrayLength() == 0);
    }

    [Fact]
    public async Task Classify_PlainTextOnStandardInput_IsOneItem()
    {
        using var process = CliRunner.Start(new Dictionary<string, string>(), "classify", "-", "--config", Config, "--json");
        await process.StandardInput.WriteAsync("Rapidus hires\nThe said official mentioned nothing about AI chips.\n");
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(0, process.ExitCode);
        var item = Assert.Single(JsonDocument.Parse(output).RootElement.GetProperty("items").EnumerateArray().ToList());
        Assert.Equal("Rapidus hires", item.GetProperty("title").GetString());
        Assert.Equal(["Rapidus", "AI"], item.GetProperty("matches").EnumerateArray().Select(m => m.GetProperty("watchList").GetString()));
    }

    [Fact]
    public async Task Classify_SeveralFilesAndAFolder_OneJsonLinePerInputInOrderAndTheUnreadableOneSaysWhy()
    {
        var folder = Directory.CreateDirectory(dir.File("corpus")).FullName;
        // UTF-16BE without a mark or a declaration: the parser's decoding reads it, so classify does too.
        await File.WriteAllBytesAsync(Path.Combine(folder, "a-utf16be.xml"), System.Text.Encoding.BigEndianUnicode.GetBytes(
            "<rss version=\"2.0\"><channel><title>t</title><item><title>Rapidus ships</title></item><item><title>Micron ships</title></item></channel></rss>"));
        await File.WriteAllTextAsync(Path.Combine(folder, "b-jsonfeed.json"), """{"version": "https://jsonfeed.org/version/1.1", "title": "j", "items": [{"id": "1", "title": "A quantum computer corrects its own errors"}]}""");
        await File.WriteAllTextAsync(Path.Combine(folder, "c-broken.xml"), "<rss version=\"2.0\"><channel><title>t</title><item>");

        var result = await CliRunner.RunAsync("classify", folder, dir.File("nope.xml"), SampleFeed("policy-desk.atom"), "--config", Config, "--json");

        Assert.Equal(1, result.ExitCode);
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(
            ["a-utf16be.xml", "b-jsonfeed.json", "c-broken.xml", "nope.xml", "policy-desk.atom"],
            lines.Select(l => Path.GetFileName(l.GetProperty("source").GetString())));
        Assert.Equal(["Rapidus", "Micron"], lines[0].GetProperty("items").EnumerateArray().Select(i => i.GetProperty("matches")[0].GetProperty("watchList").GetString()));
        Assert.Equal("Quantum", lines[1].GetProperty("items")[0].GetProperty("matches")[0].GetProperty("watchList").GetString());
        Assert.Equal("malformed-xml", lines[2].GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("not-found", lines[3].GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(14, lines[4].GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Classify_MissingFile_SaysSoWithExitCode1()
    {
        var result = await CliRunner.RunAsync("classify", dir.File("nope.xml"), "--config", Config);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Cannot classify", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preview_List_ShowsWhatItWouldHaveAlertedOnFromTheLedger()
    {
        await CliRunner.RunAsync(CliRunner.OnSamples(dir, "once"));

        var result = await CliRunner.RunAsync(CliRunner.OnSamples(dir, "preview", "--list", "micron", "--json"));

        Assert.Equal(0, result.ExitCode);
        var preview = JsonDocument.Parse(result.Output).RootElement;
        Assert.Equal("Micron", preview.GetProperty("watchList").GetString());
        Assert.Equal(42, preview.GetProperty("itemsSeen").GetInt32());
        Assert.Equal(6, preview.GetProperty("matched").GetArrayLength());
    }

    [Fact]
    public async Task Preview_DraftQuery_IsTriedWithoutSaving()
    {
        await CliRunner.RunAsync(CliRunner.OnSamples(dir, "once"));

        var result = await CliRunner.RunAsync(CliRunner.OnSamples(dir, "preview", "--query", "=Micron NEAR/3 memory"));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("preview: =Micron NEAR/3 memory", result.Output, StringComparison.Ordinal);
        Assert.Contains("Would have alerted on 1 of the 42 items seen in the last 7 days.", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preview_ListWithAChangedQuery_IsABacktest_WhatItGainsAndLosesOverTheHistory()
    {
        await CliRunner.RunAsync(CliRunner.OnSamples(dir, "once"));
        string[] args = ["preview", "--list", "Micron", "--query", "(=Micron NEAR/3 memory) OR Rapidus"];

        var json = await CliRunner.RunAsync(CliRunner.OnSamples(dir, [.. args, "--json"]));
        var text = await CliRunner.RunAsync(CliRunner.OnSamples(dir, [.. args, "--examples", "2"]));

        Assert.Equal(0, json.ExitCode);
        var backtest = JsonDocument.Parse(json.Output).RootElement;
        var gained = backtest.GetProperty("gained").EnumerateArray().Select(i => i.GetProperty("title").GetString()!).ToList();
        var lost = backtest.GetProperty("lost").EnumerateArray().Select(i => i.GetProperty("title").GetString()!).ToList();
        Assert.Equal((6, 1, 5), (backtest.GetProperty("current").GetInt32(), backtest.GetProperty("kept").GetInt32(), backtest.GetProperty("matched").GetArrayLength()));
        Assert.Equal(4, gained.Count);
        Assert.All(gained, title => Assert.Contains("Rapidus", title, StringComparison.Ordinal));
        Assert.Equal(5, lost.Count);
        Assert.Contains("Micron Technology wins approval for Idaho memory fab", lost);
        var micron = JsonDocument.Parse(await File.ReadAllTextAsync(Config)).RootElement.GetProperty("watchLists").EnumerateArray().Single(l => l.GetProperty("name").GetString() == "Micron");
        Assert.Equal(micron.GetProperty("query").GetString(), backtest.GetProperty("currentQuery").GetString());
        Assert.Contains("Gained (4): what the new query alerts on, the current one does not; the newest 2:", text.Output, StringComparison.Ordinal);
        Assert.Contains("Of the 42 items seen in the last 7 days, the current query alerts on 6 and the new one on 5: 4 gained, 5 lost, 1 kept.", text.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preview_QueryWithALowerCaseOperator_WarnsOnStderr()
    {
        var result = await CliRunner.RunAsync(CliRunner.OnSamples(dir, "preview", "--query", "Micron or DRAM"));

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("warning: watch-list 'preview', character 8: 'or' is read as a word to find", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preview_BadQueryOrUnknownList_StopsWithWhereAndWhat()
    {
        var bad = await CliRunner.RunAsync(CliRunner.OnSamples(dir, "preview", "--query", "Micron OR (DRAM"));
        var unknown = await CliRunner.RunAsync(CliRunner.OnSamples(dir, "preview", "--list", "Memory"));

        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("Watch-list 'preview', at character 11 of its query: unbalanced parenthesis: this '(' is never closed", bad.Errors, StringComparison.Ordinal);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("No watch-list is named 'Memory'. Known lists: Rapidus, Micron, Export controls, AI, Quantum.", unknown.Errors, StringComparison.Ordinal);
    }
}

/// <summary>classify with a URL: the fetcher's network guard applies; the test server is on 127.0.0.1.</summary>
[Collection(EnvironmentCollection.Name)]
public sealed class ClassifyUrlTests
{
    private static string Config => Path.Combine(TestPaths.Samples, "chipalerts.json");

    [Fact]
    public async Task Classify_Url_FetchesTheFeedAndPrintsATable()
    {
        using var server = PlainHttpServer.Start(await File.ReadAllBytesAsync(Path.Combine(TestPaths.Samples, "feeds", "policy-desk.atom")), "application/atom+xml");
        var result = await CliRunner.RunWithEnvironmentAsync("ChipAlerts__Fetch__AllowPrivateNetworks", "true", "classify", server.Url + "feed", "--config", Config);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("│ Micron (3)", result.Output, StringComparison.Ordinal);
        Assert.Contains("14 items, ", result.Output, StringComparison.Ordinal);
        Assert.Equal("GET /feed HTTP/1.1", server.RequestLine);
    }

    [Fact]
    public async Task Classify_LoopbackUrl_IsRefusedByDefault()
    {
        using var server = PlainHttpServer.Start([], "application/atom+xml");

        var result = await CliRunner.RunAsync("classify", server.Url + "feed", "--config", Config);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("refused before connecting", result.Errors, StringComparison.Ordinal);
        Assert.Null(server.RequestLine);
    }
}
