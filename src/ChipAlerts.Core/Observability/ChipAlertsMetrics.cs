using System.Diagnostics;
using System.Diagnostics.Metrics;
using ChipAlerts.Core.Routing;

namespace ChipAlerts.Core.Observability;

/// <summary>
/// What an operator graphs and alerts on, as OpenTelemetry metrics (meter <see cref="MeterName"/>) and traces
/// (source <see cref="ActivitySourceName"/>). Names follow the OpenTelemetry conventions; a Prometheus scrape
/// shows them as <c>chipalerts_alerts_delivered_total</c> and so on. Attributes are few and bounded: the
/// poll's outcome and error code, the channel type, the watch-list.
/// </summary>
public sealed class ChipAlertsMetrics : IDisposable
{
    public const string MeterName = "ChipAlerts";
    public const string ActivitySourceName = "ChipAlerts";

    /// <summary>Traces: a span per feed poll, and one per delivery linked to the poll that made its alert.</summary>
    public static readonly ActivitySource Activities = new(ActivitySourceName);

    private readonly Meter meter;
    private readonly Counter<long> polls;
    private readonly Histogram<double> fetchDuration;
    private readonly Counter<long> itemsNew;
    private readonly Counter<long> matches;
    private readonly Counter<long> storyItems;
    private readonly Counter<long> alertsCreated;
    private readonly Counter<long> alertsDelivered;
    private readonly Counter<long> alertsRetried;
    private readonly Counter<long> alertsFailed;
    private readonly Counter<long> alertsDead;
    private readonly Counter<long> webSubPushes;
    private readonly Histogram<double> deliveryLatency;
    private long outboxActive;

    public ChipAlertsMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        meter = meters.Create(MeterName);
        polls = meter.CreateCounter<long>("chipalerts.feed.polls", "{poll}", "Feed polls, by outcome (ok, not_modified, failed) and error code.");
        fetchDuration = meter.CreateHistogram<double>("chipalerts.feed.fetch.duration", "s", "Time to fetch a feed, body included.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 60] });
        itemsNew = meter.CreateCounter<long>("chipalerts.feed.items.new", "{item}", "Items not seen before.");
        matches = meter.CreateCounter<long>("chipalerts.matches", "{match}", "New items that matched a watch-list, by list.");
        storyItems = meter.CreateCounter<long>("chipalerts.story.items", "{item}", "Matched items put into stories, by decision (first, same-link, same-text, similar).");
        alertsCreated = meter.CreateCounter<long>("chipalerts.alerts.created", "{alert}", "Alerts stored in the outbox, by channel type.");
        alertsDelivered = meter.CreateCounter<long>("chipalerts.alerts.delivered", "{alert}", "Alerts delivered, by channel type.");
        alertsRetried = meter.CreateCounter<long>("chipalerts.alerts.retried", "{alert}", "Failed attempts that will be retried, by channel type.");
        alertsFailed = meter.CreateCounter<long>("chipalerts.alerts.failed", "{alert}", "Alerts refused for good by the receiver, by channel type.");
        alertsDead = meter.CreateCounter<long>("chipalerts.alerts.dead", "{alert}", "Alerts dead-lettered after their attempts ran out, by channel type.");
        webSubPushes = meter.CreateCounter<long>("chipalerts.websub.pushes", "{push}", "Content pushed by WebSub hubs, by outcome (accepted, bad_signature, unknown, too_large, unreadable).");
        deliveryLatency = meter.CreateHistogram<double>("chipalerts.alert.latency", "s", "From an item's publication (or first sight) to its alert's delivery.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 6 * 3600, 24 * 3600] });
        meter.CreateObservableGauge("chipalerts.outbox.active", () => Interlocked.Read(ref outboxActive), "{alert}", "Alerts waiting or being sent, as of the last delivery pass.");
    }

    public void FeedPolled(string outcome, string? errorCode, TimeSpan? fetch)
    {
        polls.Add(1, new("outcome", outcome), new("error.type", errorCode ?? ""));
        if (fetch is { } duration)
        {
            fetchDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    public void ItemsNew(int count) => itemsNew.Add(count);

    public void StoryItem(string decision) => storyItems.Add(1, new KeyValuePair<string, object?>("decision", decision));

    public void Matched(string watchList, int count) => matches.Add(count, new KeyValuePair<string, object?>("watch_list", watchList));

    public void AlertCreated(ChannelAddress channel) => alertsCreated.Add(1, Channel(channel));

    public void Delivered(Alert alert, DateTimeOffset at)
    {
        alertsDelivered.Add(1, Channel(alert.Channel));
        var since = alert.Item.Published is { } published && published <= at ? published : alert.CreatedAt;
        deliveryLatency.Record((at - since).TotalSeconds, Channel(alert.Channel));
    }

    public void Retried(ChannelAddress channel) => alertsRetried.Add(1, Channel(channel));

    public void Failed(ChannelAddress channel) => alertsFailed.Add(1, Channel(channel));

    public void Dead(ChannelAddress channel) => alertsDead.Add(1, Channel(channel));

    public void OutboxActive(int count) => Interlocked.Exchange(ref outboxActive, count);

    public void WebSubPush(string outcome) => webSubPushes.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Dispose() => meter.Dispose();

    private static KeyValuePair<string, object?> Channel(ChannelAddress channel) => new("channel.type", channel.Type);
}
