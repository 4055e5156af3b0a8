using System.Text.Json;
using ChipAlerts.Cli.Tests.Support;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Cli.Tests;

/// <summary>`chipalerts stories`: two feed files carrying one story, polled by `once`, then listed.</summary>
public sealed class StoriesCommandTests : IDisposable
{
    private readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    private string Config()
    {
        File.WriteAllText(dir.File("a.xml"), StoryExample.WireA);
        File.WriteAllText(dir.File("b.xml"), StoryExample.WireB);
        var config = dir.File("chipalerts.json");
        File.WriteAllText(config, """
            {
              "feeds": [
                { "id": "wire-a", "name": "Wire A", "url": "a.xml", "backfill": "all" },
                { "id": "wire-b", "name": "Wire B", "url": "b.xml", "backfill": "all" }
              ],
              "watchLists": [ { "name": "Export controls", "query": "\"export control\"~ OR \"Entity List\"" } ],
              "subscribers": [ { "id": "desk", "watchLists": [ "Export controls" ], "channels": [ { "type": "email", "to": "desk@example.com" } ] } ],
              "email": { "from": "ChipAlerts <alerts@example.com>" }
            }
            """);
        return config;
    }

    private string[] On(string config, params string[] args) => [.. args, "--config", config, "--data", dir.File("chipalerts.db"), "--outbox", dir.File("outbox")];

    [Fact]
    public async Task Stories_ListEachCopyWithItsSourceAndWhyItJoined()
    {
        var config = Config();
        var once = await CliRunner.RunAsync(On(config, "once", "--json"));

        var json = await CliRunner.RunAsync(On(config, "stories", "--json"));
        var table = await CliRunner.RunAsync(On(config, "stories"));

        Assert.Equal(0, once.ExitCode);
        Assert.Equal(1, JsonDocument.Parse(once.Output).RootElement.GetProperty("alertsCreated").GetInt32());
        Assert.Single(Directory.GetFiles(dir.File("outbox"), "*.eml", SearchOption.AllDirectories));
        var story = Assert.Single(JsonDocument.Parse(json.Output).RootElement.EnumerateArray());
        Assert.Equal(["Export controls"], story.GetProperty("lists").EnumerateArray().Select(l => l.GetString()));
        var copies = story.GetProperty("copies").EnumerateArray().ToList();
        Assert.Equal(["first", "similar"], copies.Select(c => c.GetProperty("decision").GetString()));
        Assert.Equal("the first copy", copies[0].GetProperty("why").GetString());
        Assert.StartsWith("like '", copies[1].GetProperty("why").GetString(), StringComparison.Ordinal);
        Assert.Empty(copies[1].GetProperty("alertedFor").EnumerateArray());
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("2 source(s)", table.Output, StringComparison.Ordinal);
        Assert.Contains("of their words in common", table.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stories_OnANewStore_SaysThereAreNoneYet()
    {
        var result = await CliRunner.RunAsync(On(Config(), "stories"));

        Assert.Equal((0, "No stories yet: they are made as matching items arrive."), (result.ExitCode, result.Output.Trim()));
    }
}
