using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using ChipAlerts.Cli.Tests.Support;
using ChipAlerts.Core.Tests.Support;
using Xunit.Abstractions;

namespace ChipAlerts.Cli.Tests;

/// <summary>
/// `chipalerts run` with ChipAlerts:WebSub:CallbackUrl, as a real process with its real listener, against a real hub
/// in its own process: the first cycle finds the hub, the subscription is verified at the listener, and an item the
/// publisher announces through the hub is emailed without waiting for the next poll (the schedule is hourly here).
/// </summary>
public sealed class WebSubRunTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDir dir = new();
    private readonly List<string> entries = ["<entry><title>Football results</title><id>urn:cli-0</id></entry>"];
    private WebSubHub hub = null!;
    private SmtpSink smtp = null!;
    private PlainHttpServer publisher = null!;

    public async Task InitializeAsync()
    {
        hub = await WebSubHub.StartAsync();
        smtp = await SmtpSink.StartAsync();
        publisher = PlainHttpServer.Start(path => path == "/feed.xml"
            ? (Encoding.UTF8.GetBytes($"""<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title><link rel="hub" href="{hub.Url}"/><link rel="self" href="{publisher.Url}feed.xml"/>{string.Concat(entries)}</feed>"""), "application/atom+xml; charset=utf-8")
            : null);
    }

    public async Task DisposeAsync()
    {
        publisher.Dispose();
        await smtp.DisposeAsync();
        await hub.DisposeAsync();
        dir.Dispose();
    }

    [Fact]
    public async Task Run_SubscribesAtTheHub_AndEmailsWhatItPushes()
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(TestPaths.Samples, "chipalerts.json")))!.AsObject();
        config["pollSchedule"] = "0 0 * * * *";
        config["feeds"] = new JsonArray(new JsonObject { ["id"] = "wire", ["url"] = $"{publisher.Url}feed.xml" });
        config["subscribers"] = new JsonArray(config["subscribers"]![0]!.DeepClone()); // the desk watching every list: one email per story
        config["email"]!["smtp"] = new JsonObject { ["host"] = "127.0.0.1", ["port"] = smtp.Port, ["security"] = "None" };
        File.WriteAllText(dir.File("chipalerts.json"), config.ToJsonString());
        var port = SmtpSink.FreePort();
        using var process = CliRunner.Start(
            new Dictionary<string, string>
            {
                ["ChipAlerts__WebSub__CallbackUrl"] = $"http://127.0.0.1:{port}/websub",
                ["ChipAlerts__WebSub__ListenUrl"] = $"http://127.0.0.1:{port}",
                ["ChipAlerts__Fetch__AllowPrivateNetworks"] = "true",
                ["ChipAlerts__Fetch__Backfill"] = "all",
            },
            "run", "--config", dir.File("chipalerts.json"), "--data", dir.File("chipalerts.db"), "--outbox", dir.File("outbox"));
        var console = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (console) { console.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (console) { console.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await hub.WaitForAsync("verify", v => v.Count == 1 && v[0].GetProperty("confirmed").GetBoolean());
            Assert.Single(await hub.SubscriptionsAsync());

            entries.Insert(0, "<entry><title>Rapidus starts 2nm pilot line</title><id>urn:cli-1</id><link href=\"https://wire.example.com/cli-1\"/></entry>");
            var clock = Stopwatch.StartNew();
            await hub.PublishAsync(new Uri($"{publisher.Url}feed.xml"));
            await smtp.WaitForMessagesAsync(1);
            output.WriteLine($"publish to email accepted, through the real process: {clock.Elapsed.TotalMilliseconds:0} ms");

            Assert.Equal(["[ChipAlerts] Rapidus: Rapidus starts 2nm pilot line"], smtp.Messages.Select(m => m.Subject));

            // Warm: five more stories, one at a time, each from the publisher's ping to the SMTP server's acceptance.
            var latencies = new List<double>();
            string[] stories =
            [
                "Micron opens HBM packaging line in Singapore",
                "Dutch government tightens export controls on DUV lithography tools",
                "Quantum computing startup raises funds for error-corrected qubits",
                "Nvidia AI accelerator demand lifts TSMC quarterly revenue",
                "Rapidus signs first 2nm foundry customer",
            ];
            for (var i = 0; i < stories.Length; i++)
            {
                entries.Insert(0, $"<entry><title>{stories[i]}</title><id>urn:cli-{i + 2}</id><link href=\"https://wire.example.com/cli-{i + 2}\"/></entry>");
                clock.Restart();
                await hub.PublishAsync(new Uri($"{publisher.Url}feed.xml"));
                await smtp.WaitForMessagesAsync(1);
                latencies.Add(clock.Elapsed.TotalMilliseconds);
            }

            output.WriteLine($"warm publish to email: {string.Join(", ", latencies.Select(l => $"{l:0}"))} ms");
            Assert.Equal(6, smtp.Messages.Count);
        }
        finally
        {
            output.WriteLine(System.Text.Json.JsonSerializer.Serialize(await hub.LogAsync()));
            Process.Start("kill", ["-TERM", $"{process.Id}"])!.WaitForExit(5000);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            output.WriteLine(console.ToString());
        }

        Assert.Equal(0, process.ExitCode);
        lock (console)
        {
            Assert.Contains($"WebSub: listening on http://127.0.0.1:{port} for hubs calling http://127.0.0.1:{port}/websub.", console.ToString(), StringComparison.Ordinal);
        }
    }
}
