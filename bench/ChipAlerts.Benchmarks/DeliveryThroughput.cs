using System.Buffers;
using System.Diagnostics;
using System.Net;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Matching;
using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace ChipAlerts.Benchmarks;

/// <summary>
/// `delivery [N]`: N alerts through the real dispatcher and SQLite outbox to a real SMTP server and a real
/// webhook receiver on loopback, both in this process; emails/s, webhooks/s, and the managed heap as the
/// backlog grows. Both cores, as in production; a stopwatch figure, not BenchmarkDotNet's.
/// </summary>
internal static class DeliveryThroughput
{
    public static async Task RunAsync(int count)
    {
        Console.WriteLine("| channel | destinations | backlog | delivered | time | per second | heap after (MiB) | peak working set (MiB) |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var backlog in new[] { count / 10, count, count * 3 })
        {
            foreach (var destinations in new[] { 1, 10 })
            {
                await RunOnceAsync("email", backlog, destinations);
                await RunOnceAsync("webhook", backlog, destinations);
            }
        }
    }

    // externalSmtpPort: an SMTP server in another process (what users have); null: one in this process.
    public static async Task RunOnceAsync(string type, int backlog, int destinations, int? externalSmtpPort = null)
    {
        var dir = Directory.CreateTempSubdirectory("chipalerts-bench-").FullName;
        var smtpPort = externalSmtpPort ?? FreePort();
        using var stopSmtp = new CancellationTokenSource();
        var received = 0;
        var smtp = new SmtpServer.SmtpServer(
            new SmtpServerOptionsBuilder().ServerName("localhost").Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, smtpPort))).Build(),
            Services(new CountingStore(() => Interlocked.Increment(ref received))));
        var smtpRunning = externalSmtpPort is null ? smtp.StartAsync(stopSmtp.Token) : Task.CompletedTask;

        var web = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] }); // no watcher on the working folder
        web.WebHost.UseUrls("http://127.0.0.1:0");
        web.Logging.ClearProviders();
        await using var receiver = web.Build();
        receiver.Run(async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            Interlocked.Increment(ref received);
            context.Response.StatusCode = 204;
        });
        await receiver.StartAsync();

        // Each destination is a subscriber of its own: an email address, or a webhook URL on the one receiver.
        var channels = Enumerable.Range(0, destinations).Select(d => type == "email"
            ? new ChannelConfig { Type = "email", To = $"desk{d}@example.com" }
            : new ChannelConfig { Type = "webhook", UrlSetting = $"Hooks:Desk{d}", SigningSecretSetting = "Hooks:DeskSecret" }).ToList();
        var config = new ChipAlertsConfig
        {
            Feeds = [new FeedConfig { Id = "f", Url = "https://example.com/feed" }],
            WatchLists = [new WatchListConfig { Name = "Rapidus", Query = "Rapidus" }],
            Subscribers = [.. channels.Select((c, d) => new SubscriberConfig { Id = $"desk{d}", WatchLists = ["Rapidus"], Channels = [c] })],
            Email = new EmailConfig { From = "ChipAlerts <alerts@chipalerts.test>", Smtp = new SmtpConfig { Host = "127.0.0.1", Port = smtpPort, Security = "None" } },
        };
        var services = await BenchServices.CreateAsync(dir, config, new Dictionary<string, string?>
        {
            ["Hooks:DeskSecret"] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        }.Concat(Enumerable.Range(0, destinations).Select(d =>
            KeyValuePair.Create($"Hooks:Desk{d}", (string?)(receiver.Urls.First() + $"/hook/{d}?token=t")))));
        var outbox = services.GetRequiredService<AlertOutbox>();
        var now = TimeProvider.System.GetUtcNow();
        var alerts = Enumerable.Range(0, backlog).Select(i => Alert(i, $"desk{i % destinations}", AlertRouter.AddressOf(channels[i % destinations]), now)).ToList();
        foreach (var chunk in alerts.Chunk(1000))
        {
            await outbox.AddAsync(chunk, default);
        }

        alerts.Clear();
        GC.Collect();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var gen0Before = GC.CollectionCount(0);
        var cpuBefore = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var summary = await outbox.DeliverDueAsync(default);
        watch.Stop();
        process.Refresh();
        var perAlert = FormattableString.Invariant($"{(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / Math.Max(1, summary.Delivered) / 1024.0:N1} KiB allocated, {(process.TotalProcessorTime - cpuBefore).TotalMilliseconds / Math.Max(1, summary.Delivered):N2} ms CPU, {GC.CollectionCount(0) - gen0Before} gen0 GCs");
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        process.Refresh();
        Console.WriteLine(FormattableString.Invariant(
            $"| {type} | {destinations} | {backlog:N0} | {summary.Delivered:N0} (received {received:N0}) | {watch.Elapsed.TotalSeconds:N2} s | {summary.Delivered / watch.Elapsed.TotalSeconds:N0} | {heap / 1048576.0:N1} | {process.PeakWorkingSet64 / 1048576.0:N0} |"));
        Console.Error.WriteLine($"per alert: {perAlert}");

        await services.DisposeAsync();
        await receiver.StopAsync();
        await stopSmtp.CancelAsync();
        try
        {
            await smtpRunning;
        }
        catch (OperationCanceledException)
        {
        }

        Directory.Delete(dir, recursive: true);
    }

    internal static Alert Alert(int i, string subscriber, ChannelAddress address, DateTimeOffset now)
    {
        var title = $"Rapidus item {i}: pilot line reaches a new milestone";
        var item = new FeedItem
        {
            FeedId = "f",
            Key = ItemKeys.Hash($"bench|{i}"),
            Title = title,
            Summary = string.Concat(Enumerable.Repeat("Rapidus and IBM ship 2nm wafers from Hokkaido. ", 10)),
            Link = $"https://wire.example.com/{i}",
            Published = now,
        };
        return new Alert
        {
            AlertId = AlertRouter.AlertIdOf(subscriber, address, item.Key),
            SubscriberId = subscriber,
            Channel = address,
            FeedName = "Wire",
            Item = item,
            Matches = [new WatchListMatch { WatchList = "Rapidus", Score = 3, Evidence = [new MatchEvidence("Rapidus", "title", 0, 7, title, 0)] }],
            CreatedAt = now.AddTicks(i),
        };
    }

    private static SmtpServer.ComponentModel.ServiceProvider Services(MessageStore store)
    {
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(store);
        services.Add(new ChipAlerts.Core.Tests.Support.NoDelayListenerFactory());
        return services;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class CountingStore(Action received) : MessageStore
    {
        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            received();
            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}
