using System.Diagnostics;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using ChipAlerts.Azure.State;
using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.Routing;

namespace ChipAlerts.Benchmarks;

/// <summary>
/// What the due pass's query costs on Table Storage as the delivered history grows: requests and time to
/// list the active alerts and read each lane's head, with 100 active alerts among 1,000 and 100,000 stored.
/// For contrast, the query the store made before the lanes index: every pending alert by a Status filter,
/// which the service answers by scanning the table.
/// </summary>
internal static class DueQueryCost
{
    public static async Task RunAsync(string connectionString)
    {
        Console.WriteLine("| alerts stored | active | due pass: requests | due pass: time (median of 5) | Status-filter scan: requests | time |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var stored in new[] { 1_000, 100_000 })
        {
            var counter = new RequestCounter();
            var options = new TableClientOptions();
            options.AddPolicy(counter, HttpPipelinePosition.PerCall);
            var service = new TableServiceClient(connectionString, options);
            var prefix = "b" + Guid.NewGuid().ToString("N")[..10];
            var store = new TableStore(service, prefix);
            const int active = 100;
            var now = TimeProvider.System.GetUtcNow();
            await Parallel.ForEachAsync(Enumerable.Range(0, stored), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, token) =>
            {
                var alert = Alert(i, now.AddSeconds(-stored + i));
                var record = new OutboxRecord { Alert = alert, State = i < stored - active ? AlertState.Delivered : AlertState.Pending, DueAt = alert.CreatedAt };
                await store.InsertAsync([record], token);
            });

            var times = new List<double>();
            long requests = 0;
            for (var run = 0; run < 5; run++)
            {
                var before = counter.Count;
                var watch = Stopwatch.StartNew();
                var heads = new Dictionary<string, ActiveAlert>(StringComparer.Ordinal);
                await foreach (var a in store.ActiveAsync(null, default))
                {
                    heads.TryAdd(a.Lane, a);
                }

                foreach (var head in heads.Values)
                {
                    await store.ReadActiveAsync(head, default);
                }

                times.Add(watch.Elapsed.TotalMilliseconds);
                requests = counter.Count - before;
            }

            var scanBefore = counter.Count;
            var scan = Stopwatch.StartNew();
            var pending = 0;
            await foreach (var _ in service.GetTableClient(prefix + "alerts").QueryAsync<TableEntity>("Status eq 'Pending' and Digest eq false"))
            {
                pending++;
            }

            scan.Stop();
            times.Sort();
            Console.WriteLine(FormattableString.Invariant(
                $"| {stored:N0} | {pending} | {requests} | {times[2]:N0} ms | {counter.Count - scanBefore} | {scan.Elapsed.TotalMilliseconds:N0} ms |"));
        }
    }

    private static Alert Alert(int i, DateTimeOffset createdAt)
    {
        var item = new Core.Feeds.FeedItem { FeedId = "wire", Key = $"item-{i}", Title = $"Rapidus item {i}", Summary = "Rapidus said the line runs.", Link = $"https://wire.example.com/{i}" };
        var channel = new ChannelAddress("email", $"reader{i % 10}@example.com");
        return new Alert
        {
            AlertId = AlertRouter.AlertIdOf("desk", channel, item.Key),
            SubscriberId = "desk",
            Channel = channel,
            FeedName = "Wire",
            Item = item,
            Matches = [new Core.Matching.WatchListMatch { WatchList = "Rapidus", Evidence = [] }],
            CreatedAt = createdAt,
        };
    }

    private sealed class RequestCounter : HttpPipelineSynchronousPolicy
    {
        private long count;

        public long Count => Interlocked.Read(ref count);

        public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref count);
    }
}
