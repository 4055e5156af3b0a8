using System.Net;
using System.Text.Json;
using Azure.Storage.Queues;
using ChipAlerts.Azure;
using ChipAlerts.Azure.Tests.Support;
using ChipAlerts.Core;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Delivery;
using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.State;
using ChipAlerts.Core.Tests.Support;
using ChipAlerts.Functions.Tests.Support;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmtpServer.Protocol;

namespace ChipAlerts.Functions.Tests;

/// <summary>
/// The function classes end to end over real queues and tables (Azurite), a real feed server and a real
/// SMTP server. The test moves messages between queues the way the Functions host would.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class FunctionPipelineTests(Azurite azurite) : IAsyncLifetime
{
    private const string Feed = """
        <rss version="2.0"><channel><title>Wire</title>
          <item><title>Rapidus starts 2nm pilot line</title><guid>fn-1</guid><link>https://wire.example.com/1</link></item>
          <item><title>Micron (MU.O) beats estimates</title><guid>fn-2</guid><link>https://wire.example.com/2</link></item>
          <item><title>Football results</title><guid>fn-3</guid></item>
        </channel></rss>
        """;

    private readonly TempDir dir = new();
    private readonly string prefix = "f" + Guid.NewGuid().ToString("N")[..12];
    private TestServer feeds = null!;
    private SmtpSink smtp = null!;
    private ServiceProvider services = null!;
    private QueueServiceClient queues = null!;

    public async Task InitializeAsync()
    {
        feeds = await TestServer.StartAsync();
        feeds.MapFeed("/feed", Feed);
        smtp = await SmtpSink.StartAsync();
        queues = new QueueServiceClient(azurite.ConnectionString);
        foreach (var name in (string[])[Queues.FeedsToPoll, Queues.Alerts, Queues.AlertsPoison])
        {
            await queues.GetQueueClient(name).CreateIfNotExistsAsync();
            await queues.GetQueueClient(name).ClearMessagesAsync();
        }

        var samples = JsonSerializer.Deserialize<ChipAlertsConfig>(File.ReadAllText(Path.Combine(TestPaths.Samples, "chipalerts.json")), ConfigLoader.JsonOptions)!;
        Configure(samples.Subscribers[0]);
    }

    /// <summary>The app's services as Program.cs registers them, over this test's own tables, for <paramref name="subscriber"/> and the sample lists.</summary>
    private void Configure(SubscriberConfig subscriber, IDictionary<string, string?>? extraSettings = null, TimeProvider? time = null, List<FeedConfig>? feedList = null)
    {
        var samples = JsonSerializer.Deserialize<ChipAlertsConfig>(File.ReadAllText(Path.Combine(TestPaths.Samples, "chipalerts.json")), ConfigLoader.JsonOptions)!;
        var config = samples with
        {
            Feeds = feedList ?? [new FeedConfig { Id = "wire", Url = feeds.Url("/feed").ToString() }],
            Subscribers = [subscriber],
            Email = new EmailConfig
            {
                From = "ChipAlerts <alerts@chipalerts.test>",
                Smtp = new SmtpConfig { Host = "127.0.0.1", Port = smtp.Port, Security = "None" },
                UnsubscribeUrl = "https://alerts.example.com/api/unsubscribe",
            },
        };
        File.WriteAllText(dir.File("chipalerts.json"), JsonSerializer.Serialize(config, ConfigLoader.JsonOptions));

        var values = new Dictionary<string, string?>
        {
            ["ChipAlerts:ConfigPath"] = dir.File("chipalerts.json"),
            ["ChipAlerts:OutboxPath"] = dir.File("outbox"),
            ["ChipAlerts:Fetch:AllowPrivateNetworks"] = "true", // the feed server is on 127.0.0.1
            ["ChipAlerts:Fetch:Backfill"] = "all", // the test feed's items are undated
            ["ChipAlerts:UnsubscribeKey"] = "functions-test-key-0123456789abcdef",
            // The queue's own retries only: one send per dequeue, no breaker deferring them.
            ["ChipAlerts:Delivery:QuickRetries"] = "0",
            ["ChipAlerts:Delivery:BreakerFailures"] = "1000",
        };
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        // The same registrations as Program.cs, with tables of this test's own.
        var collection = new ServiceCollection().AddLogging();
        if (time is not null)
        {
            collection.AddSingleton(time);
        }

        collection.AddChipAlertsAzureStorage(azurite.ConnectionString, prefix);
        collection.AddChipAlerts(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        services = collection.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await services.DisposeAsync();
        await smtp.DisposeAsync();
        await feeds.DisposeAsync();
        dir.Dispose();
    }

    private T Function<T>() => ActivatorUtilities.CreateInstance<T>(services);

    [Fact]
    public async Task PollFeeds_ThenPollFeed_ThenDeliverAlert_SendsEachAlertOnce()
    {
        await SendAsync(Queues.FeedsToPoll, await Function<PollFeeds>().RunAsync(new TimerInfo(), default));
        var alertMessages = await DrainAsync(Queues.FeedsToPoll, m => Function<PollFeed>().RunAsync(m, default));
        await SendAsync(Queues.Alerts, alertMessages);
        await DrainAsync(Queues.Alerts, async m =>
        {
            await Function<DeliverAlert>().RunAsync(m, default);
            return [];
        });

        Assert.Equal(2, alertMessages.Count);
        Assert.Equal(["[ChipAlerts] Micron: Micron (MU.O) beats estimates", "[ChipAlerts] Rapidus: Rapidus starts 2nm pilot line"], smtp.Messages.Select(m => m.Subject).Order());

        // The next schedule: the feed answers 304, so nothing new is queued.
        await SendAsync(Queues.FeedsToPoll, await Function<PollFeeds>().RunAsync(new TimerInfo(), default));
        Assert.Empty(await DrainAsync(Queues.FeedsToPoll, m => Function<PollFeed>().RunAsync(m, default)));

        // A duplicate message (the queue is at-least-once) sends nothing.
        await Function<DeliverAlert>().RunAsync(alertMessages[0], default);
        Assert.Equal(2, smtp.Messages.Count);
    }

    [Fact]
    public async Task Unsubscribe_GetShowsAButtonAndChangesNothing_OneClickPostUnsubscribes_AndNoMoreAlertsAreMade()
    {
        var optOuts = services.GetRequiredService<IOptOutStore>();
        var link = services.GetRequiredService<Unsubscribes>().LinkFor("policy-desk", new ChannelAddress("email", "policy-desk@example.com"))!;
        var token = System.Web.HttpUtility.ParseQueryString(link.Query)["token"]!;

        var page = (TestHttpResponse)await Function<Unsubscribe>().RunAsync(new TestHttpRequest("GET", link), default);
        var afterGet = await optOuts.GetOptOutsAsync(default);
        var click = (TestHttpResponse)await Function<Unsubscribe>().RunAsync(new TestHttpRequest("POST", link, "List-Unsubscribe=One-Click"), default);
        var forged = (TestHttpResponse)await Function<Unsubscribe>().RunAsync(
            new TestHttpRequest("POST", new Uri("https://alerts.example.com/api/unsubscribe"), "token=" + token[..^2] + "xx"), default);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains($"<input type=\"hidden\" name=\"token\" value=\"{token}\">", page.BodyText, StringComparison.Ordinal);
        Assert.Empty(afterGet);
        Assert.Equal(HttpStatusCode.OK, click.StatusCode);
        Assert.Contains("You are unsubscribed", click.BodyText, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        var optOut = Assert.Single(await optOuts.GetOptOutsAsync(default));
        Assert.Equal(("policy-desk", "email:policy-desk@example.com"), (optOut.SubscriberId, optOut.Channel.ToString()));

        // The feed's matching items now make no alert for the only subscriber.
        await SendAsync(Queues.FeedsToPoll, await Function<PollFeeds>().RunAsync(new TimerInfo(), default));
        Assert.Empty(await DrainAsync(Queues.FeedsToPoll, m => Function<PollFeed>().RunAsync(m, default)));
    }

    [Fact]
    public async Task DeliverAlert_FailingEveryTime_ReturnsNormally_SoTheQueueNeverDeadLettersIt_AndTheOutboxRetriesOnItsSchedule()
    {
        smtp.Reply = () => (SmtpReplyCode)451;
        await SendAsync(Queues.FeedsToPoll, await Function<PollFeeds>().RunAsync(new TimerInfo(), default));
        var alertMessages = await DrainAsync(Queues.FeedsToPoll, m => Function<PollFeed>().RunAsync(m, default));
        var alertId = Queues.Read<DeliverAlertMessage>(alertMessages[0]).AlertId;

        // The host redelivers a message up to maxDequeueCount times only when the function throws; here every
        // dequeue completes, duplicates included, and the alert stays the outbox's to retry.
        for (var i = 0; i < MaxDequeueCountFromHostJson() + 1; i++)
        {
            await Function<DeliverAlert>().RunAsync(alertMessages[0], default);
        }

        var entry = (await services.GetRequiredService<AlertOutbox>().GetAsync(alertId, default))!;
        Assert.Equal((AlertState.Pending, 1), (entry.State, entry.Attempts));
        Assert.StartsWith("SMTP 451", entry.LastError, StringComparison.Ordinal);
        Assert.True(entry.DueAt > TimeProvider.System.GetUtcNow().AddSeconds(20)); // its backoff, not the queue's visibility timeout
        Assert.Equal(1, smtp.Attempts); // the duplicates found it not due
    }

    [Fact]
    public async Task DeliverDue_SendsWhatWasStoredButNeverQueued()
    {
        await SendAsync(Queues.FeedsToPoll, await Function<PollFeeds>().RunAsync(new TimerInfo(), default));
        var lost = await DrainAsync(Queues.FeedsToPoll, m => Function<PollFeed>().RunAsync(m, default)); // the output binding's messages are lost

        await Function<DeliverDue>().RunAsync(new TimerInfo(), default);

        Assert.Equal(2, lost.Count);
        Assert.Equal(2, smtp.Messages.Count);
        Assert.Equal(new OutboxCounts(0, 2, 0), await services.GetRequiredService<AlertOutbox>().CountAsync(default));
    }

    [Fact]
    public async Task PollFeed_MessageDeliveredTwice_PollsOnce_UnlessForced()
    {
        var message = Assert.Single(await Function<PollFeeds>().RunAsync(new TimerInfo(), default));

        await Function<PollFeed>().RunAsync(message, default);
        await Function<PollFeed>().RunAsync(message, default);
        await Function<PollFeed>().RunAsync(Queues.PollFeed("wire", seen: null, force: true), default);

        Assert.Equal(2, feeds.Requests.Count(r => r.Path == "/feed"));
    }

    [Fact]
    public async Task Health_OnFreshStorage_AnswersWithCountsOnly_DetailsNeedTheFunctionKey()
    {
        var fresh = new QueueServiceClient(azurite.ConnectionString);
        foreach (var name in Queues.All)
        {
            await fresh.GetQueueClient(name).DeleteIfExistsAsync();
        }

        var anonymous = (TestHttpResponse)await Function<Health>().RunAsync(new TestHttpRequest("GET", new Uri("https://app.example.com/api/health")), default);
        var details = (TestHttpResponse)await Function<Health>().DetailsAsync(new TestHttpRequest("GET", new Uri("https://app.example.com/api/health/details")), default);

        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        Assert.Contains("\"never polled\":1", anonymous.BodyText, StringComparison.Ordinal);
        Assert.Contains("\"pending\":0", anonymous.BodyText, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(feeds.Url("/feed").Authority, anonymous.BodyText, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, details.StatusCode);
        Assert.Contains(feeds.Url("/feed").ToString(), details.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeverityRoutes_TheUrgentItemGoesToTeamsAndEmailInQuietHours_ThePassingMentionToTheDigest()
    {
        feeds.MapFeed("/feed", RoutingExample.Feed).MapText("/teams", "", "text/plain", 202);
        var time = new FakeTimeProvider(RoutingExample.InQuietHours);
        await services.DisposeAsync();
        Configure(RoutingExample.Desk, new Dictionary<string, string?> { ["Hooks:Teams"] = feeds.Url("/teams").ToString() }, time);

        await SendAsync(Queues.FeedsToPoll, await Function<PollFeeds>().RunAsync(new TimerInfo(), default));
        var alertMessages = await DrainAsync(Queues.FeedsToPoll, m => Function<PollFeed>().RunAsync(m, default));
        foreach (var message in alertMessages)
        {
            await Function<DeliverAlert>().RunAsync(message, default);
        }

        Assert.Equal(3, alertMessages.Count); // Teams and email for the urgent item, the digest's for the other
        var email = Assert.Single(smtp.Messages);
        Assert.Equal("[ChipAlerts] Export controls: New export controls put chip makers on the Entity List", email.Subject);
        Assert.Contains(RoutingExample.UrgentNoteInEmail, email.TextBody, StringComparison.Ordinal);
        var card = RoutingExample.Texts(JsonDocument.Parse(feeds.Requests.Single(r => r.Path == "/teams").Body).RootElement);
        Assert.Contains(card, t => t.Contains(RoutingExample.UrgentNoteInTeams, StringComparison.Ordinal));

        // The delivery timer before and at 08:00 in Tokyo: the digest waits for its time, then goes.
        await Function<DeliverDue>().RunAsync(new TimerInfo(), default);
        Assert.Single(smtp.Messages);
        time.SetUtcNow(new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.FromHours(9)));
        await Function<DeliverDue>().RunAsync(new TimerInfo(), default);

        var digest = smtp.Messages.Last();
        Assert.StartsWith("[ChipAlerts] Digest: 1 new items", digest.Subject, StringComparison.Ordinal);
        Assert.Contains("route 'the rest' (every match)", digest.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stories_TwoFeedsCarryingOneStory_PolledByTheirOwnMessages_AlertOnce_NamingBothSources()
    {
        feeds.MapFeed("/a", StoryExample.WireA).MapFeed("/b", StoryExample.WireB);
        await services.DisposeAsync();
        var desk = new SubscriberConfig { Id = "desk", WatchLists = ["Export controls"], Channels = [new ChannelConfig { Type = "email", To = "desk@example.com" }] };
        Configure(desk, feedList: [new FeedConfig { Id = "wire-a", Name = "Wire A", Url = feeds.Url("/a").ToString() }, new FeedConfig { Id = "wire-b", Name = "Wire B", Url = feeds.Url("/b").ToString() }]);

        var polls = await Function<PollFeeds>().RunAsync(new TimerInfo(), default);
        var alertMessages = new List<string>();
        foreach (var message in polls)
        {
            alertMessages.AddRange(await Function<PollFeed>().RunAsync(message, default));
        }

        foreach (var message in alertMessages)
        {
            await Function<DeliverAlert>().RunAsync(message, default);
        }

        Assert.Equal(2, polls.Length);
        Assert.Single(alertMessages);
        var email = Assert.Single(smtp.Messages);
        Assert.Contains("Reported by 2 sources: Wire A, Wire B", email.TextBody, StringComparison.Ordinal);
        var story = Assert.Single(await services.GetRequiredService<Core.Stories.IStoryStore>().RecentStoriesAsync(10, default));
        Assert.Equal(["Wire A", "Wire B"], story.Sources);
    }

    private static int MaxDequeueCountFromHostJson()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "host.json")));
        return host.RootElement.GetProperty("extensions").GetProperty("queues").GetProperty("maxDequeueCount").GetInt32();
    }

    [Fact]
    public async Task WebSub_TheHttpTriggerVerifiesIntentAndTakesPushedContent_ThroughTheQueues()
    {
        await using var hub = await WebSubHub.StartAsync();
        var entries = new List<string> { "<entry><title>Football results</title><id>urn:ws-0</id></entry>" };
        feeds.Map("/atom", async context =>
        {
            context.Response.ContentType = "application/atom+xml; charset=utf-8";
            await Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(context.Response,
                $"""<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title><link rel="hub" href="{hub.Url}"/><link rel="self" href="{feeds.Url("/atom")}"/>{string.Concat(entries)}</feed>""");
        });

        // What the Functions host does with /api/websub/{token}: the request to the function, its answer back, its queue output kept.
        var pushedAlerts = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var functionsHost = await TestServer.StartAsync();
        functionsHost.MapPrefix("/api/websub/", async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var request = new TestHttpRequest(context.Request.Method, new Uri(functionsHost.BaseUri, context.Request.Path + context.Request.QueryString), await reader.ReadToEndAsync());
            foreach (var header in context.Request.Headers)
            {
                request.Headers.Add(header.Key, header.Value.ToString());
            }

            var output = await Function<WebSubCallbackFunction>().RunAsync(request, context.Request.Path.Value!.Split('/')[^1], default);
            foreach (var message in output.Messages)
            {
                pushedAlerts.Enqueue(message);
            }

            var response = (TestHttpResponse)output.Response;
            context.Response.StatusCode = (int)response.StatusCode;
            await Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(context.Response, response.BodyText);
        });
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
        Configure(JsonSerializer.Deserialize<ChipAlertsConfig>(File.ReadAllText(Path.Combine(TestPaths.Samples, "chipalerts.json")), ConfigLoader.JsonOptions)!.Subscribers[0],
            new Dictionary<string, string?> { ["ChipAlerts:WebSub:CallbackUrl"] = functionsHost.Url("/api/websub").AbsoluteUri },
            time,
            [new FeedConfig { Id = "wire", Url = feeds.Url("/atom").ToString() }]);

        // The first schedule polls the feed and finds the hub; the next one subscribes, and the hub verifies through the trigger.
        await SendAsync(Queues.FeedsToPoll, await Function<PollFeeds>().RunAsync(new TimerInfo(), default));
        await DrainAsync(Queues.FeedsToPoll, m => Function<PollFeed>().RunAsync(m, default));
        time.Advance(TimeSpan.FromMinutes(16));
        await SendAsync(Queues.FeedsToPoll, await Function<PollFeeds>().RunAsync(new TimerInfo(), default));
        await DrainAsync(Queues.FeedsToPoll, m => Function<PollFeed>().RunAsync(m, default));
        await hub.WaitForAsync("verify", v => v.Count == 1 && v[0].GetProperty("confirmed").GetBoolean());
        Assert.Single(await hub.SubscriptionsAsync());

        entries.Insert(0, "<entry><title>Rapidus starts 2nm pilot line</title><id>urn:ws-1</id><link href=\"https://wire.example.com/ws-1\"/></entry>");
        await hub.PublishAsync(feeds.Url("/atom"));
        await hub.WaitForAsync("deliver", d => d.Count == 1);
        Assert.Equal(200, (await hub.EventsAsync("deliver"))[0].GetProperty("status").GetInt32());
        await SendAsync(Queues.Alerts, pushedAlerts);
        await DrainAsync(Queues.Alerts, async m =>
        {
            await Function<DeliverAlert>().RunAsync(m, default);
            return [];
        });

        Assert.Equal(["[ChipAlerts] Rapidus: Rapidus starts 2nm pilot line"], smtp.Messages.Select(m => m.Subject));
        // Pushed now: the schedule after the feed's own interval plans no poll of it (only the safety net's, an hour on).
        time.Advance(TimeSpan.FromMinutes(16));
        Assert.Empty(await Function<PollFeeds>().RunAsync(new TimerInfo(), default));
    }

    private async Task SendAsync(string queue, IEnumerable<string> messages)
    {
        foreach (var message in messages)
        {
            await queues.GetQueueClient(queue).SendMessageAsync(message);
        }
    }

    /// <summary>Receives every message of the queue, hands it to the function, deletes it; returns what the function output.</summary>
    private async Task<List<string>> DrainAsync(string queue, Func<string, Task<string[]>> function)
    {
        var client = queues.GetQueueClient(queue);
        var outputs = new List<string>();
        while ((await client.ReceiveMessagesAsync(maxMessages: 32)).Value is { Length: > 0 } received)
        {
            foreach (var message in received)
            {
                outputs.AddRange(await function(message.Body.ToString()));
                await client.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
        }

        return outputs;
    }
}
