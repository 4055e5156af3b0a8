using System.Diagnostics;
using ChipAlerts.Core.Delivery.Email;
using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.State;
using MailKit.Net.Smtp;
using MimeKit;

namespace ChipAlerts.Benchmarks;

/// <summary>
/// `delivery-parts PORT N`: what one email alert's delivery costs, part by part, each alone: composing the
/// message, the outbox's read and two writes on a real SQLite file, and MailKit's send of a composed message
/// over one connection to an SMTP server in another process. CPU and allocation per alert, after a warm-up.
/// </summary>
internal static class DeliveryParts
{
    public static async Task RunAsync(int port, int count)
    {
        var address = new ChannelAddress("email", "desk@example.com");
        var now = TimeProvider.System.GetUtcNow();
        var alerts = Enumerable.Range(0, count).Select(i => DeliveryThroughput.Alert(i, "desk", address, now)).ToList();
        var from = MailboxAddress.Parse("ChipAlerts <alerts@chipalerts.test>");

        await MeasureAsync("compose", count, i => { AlertEmail.Compose(alerts[i], from, now); return Task.CompletedTask; });
        await MeasureAsync("compose and encode", count, i => { EmailChannel.Encoded(AlertEmail.Compose(alerts[i], from, now)); return Task.CompletedTask; });
        await MeasureAsync("compose, encode and write", count, i => { EmailChannel.Encoded(AlertEmail.Compose(alerts[i], from, now)).WriteTo(Stream.Null); return Task.CompletedTask; });

        var dir = Directory.CreateTempSubdirectory("chipalerts-parts-").FullName;
        using (var store = new SqliteStore(Path.Combine(dir, "parts.db")))
        {
            await store.InsertAsync([.. alerts.Select(a => new OutboxRecord { Alert = a, State = AlertState.Pending, DueAt = now })], default);
            await MeasureAsync("outbox read", count, async i => await store.GetAsync(alerts[i].AlertId, default));
            await MeasureAsync("outbox read and two writes", count, async i =>
            {
                var record = (await store.GetAsync(alerts[i].AlertId, default))!;
                var claimed = (await store.TryUpdateAsync(record, record with { State = AlertState.Claimed }, default))!;
                await store.TryUpdateAsync(claimed, claimed with { State = record.State == AlertState.Pending ? AlertState.Delivered : AlertState.Pending }, default);
            });
            // As a lane makes them: one alert's outcome in the same go as the next one's claim.
            OutboxRecord? previous = null;
            await MeasureAsync("outbox read and the writes of a lane", count, async i =>
            {
                var record = (await store.GetAsync(alerts[i].AlertId, default))!;
                var claim = record with { State = AlertState.Claimed };
                var claimed = previous is null
                    ? await store.TryUpdateAsync(record, claim, default)
                    : (await store.TryUpdateEachAsync([(previous, previous with { State = AlertState.Pending }), (record, claim)], default))[1];
                previous = claimed;
            });
        }

        Directory.Delete(dir, recursive: true);

        var messages = alerts.Select(a => EmailChannel.Encoded(AlertEmail.Compose(a, from, now))).ToList();
        using var client = new SmtpClient();
        await client.ConnectAsync(await EmailChannel.ConnectSocketAsync("127.0.0.1", port, TimeSpan.FromSeconds(10), default), "127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        await MeasureAsync("SMTP send of a composed, encoded message", count, async i => await client.SendAsync(messages[i]));
        await client.DisconnectAsync(quit: true);
    }

    private static async Task MeasureAsync(string part, int count, Func<int, Task> run)
    {
        for (var i = 0; i < Math.Min(200, count); i++)
        {
            await run(i);
        }

        var process = Process.GetCurrentProcess();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var cpu = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            await run(i);
        }

        watch.Stop();
        process.Refresh();
        Console.WriteLine(FormattableString.Invariant(
            $"| {part} | {watch.Elapsed.TotalMilliseconds * 1000 / count:N0} µs | {(process.TotalProcessorTime - cpu).TotalMilliseconds * 1000 / count:N0} µs | {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1024.0 / count:N1} KiB |"));
    }
}
