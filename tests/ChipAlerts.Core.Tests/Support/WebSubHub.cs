using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace ChipAlerts.Core.Tests.Support;

/// <summary>
/// A real WebSub hub in its own process (tests/websub-hub/hub.mjs, Node's standard library only) on a free loopback
/// port: it verifies intent, pushes signed content, grants and ends leases. Its /admin calls list what it holds and
/// inject failures.
/// </summary>
public sealed class WebSubHub : IAsyncDisposable
{
    private readonly Process process;
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private WebSubHub(Process process, Uri url)
    {
        this.process = process;
        Url = url;
        http.BaseAddress = url;
    }

    /// <summary>The hub's URL, as a feed announces it.</summary>
    public Uri Url { get; }

    /// <param name="maxLeaseSeconds">The longest lease the hub grants, whatever is asked.</param>
    public static async Task<WebSubHub> StartAsync(int maxLeaseSeconds = 864000)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])[Path.Combine(TestPaths.RepoRoot, "tests", "websub-hub", "hub.mjs"), "--port", "0", "--max-lease", $"{maxLeaseSeconds}"])
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line is null || !line.StartsWith("listening ", StringComparison.Ordinal))
        {
            process.Kill();
            throw new InvalidOperationException($"The WebSub hub did not start: '{line}'.");
        }

        return new WebSubHub(process, new Uri($"http://127.0.0.1:{line["listening ".Length..]}/"));
    }

    /// <summary>A publisher's ping: the hub fetches the topic and pushes it to its subscribers.</summary>
    public async Task PublishAsync(Uri topic) =>
        (await http.PostAsync("", new FormUrlEncodedContent(new Dictionary<string, string> { ["hub.mode"] = "publish", ["hub.url"] = topic.AbsoluteUri }))).EnsureSuccessStatusCode();

    public async Task<IReadOnlyList<JsonElement>> SubscriptionsAsync() => await http.GetFromJsonAsync<JsonElement[]>("admin/subscriptions") ?? [];

    public async Task<IReadOnlyList<JsonElement>> LogAsync() => await http.GetFromJsonAsync<JsonElement[]>("admin/log") ?? [];

    /// <summary>Events of one kind ("request", "verify", "deliver", "denied"…) in order.</summary>
    public async Task<IReadOnlyList<JsonElement>> EventsAsync(string kind) => [.. (await LogAsync()).Where(e => e.GetProperty("event").GetString() == kind)];

    /// <summary>Answer subscription requests with <paramref name="status"/> (null: as normal again).</summary>
    public Task FailSubscribeAsync(int? status) => AdminAsync($"admin/fail-subscribe?status={(status is null ? "off" : status.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))}");

    public Task PushWithBadSignatureAsync(Uri topic) => AdminAsync($"admin/push-bad-signature?topic={Uri.EscapeDataString(topic.AbsoluteUri)}");

    public Task DenyAsync(Uri topic, string reason) => AdminAsync($"admin/deny?topic={Uri.EscapeDataString(topic.AbsoluteUri)}&reason={Uri.EscapeDataString(reason)}");

    /// <summary>Ends every lease now, as if it ran out.</summary>
    public Task ExpireAsync() => AdminAsync("admin/expire");

    /// <summary>Polls the hub's log until <paramref name="done"/> holds; the limit only turns a hang into a failure.</summary>
    public async Task<IReadOnlyList<JsonElement>> WaitForAsync(string kind, Func<IReadOnlyList<JsonElement>, bool> done)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var events = await EventsAsync(kind);
            if (done(events))
            {
                return events;
            }

            if (waited.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"The hub's '{kind}' events did not reach the expected state within 60 s: {JsonSerializer.Serialize(await LogAsync())}");
            }

            await Task.Delay(20);
        }
    }

    private async Task AdminAsync(string path) => (await http.PostAsync(path, null)).EnsureSuccessStatusCode();

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        http.Dispose();
    }
}
