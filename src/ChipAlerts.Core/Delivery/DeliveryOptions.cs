using System.ComponentModel.DataAnnotations;

namespace ChipAlerts.Core.Delivery;

/// <summary>Section "ChipAlerts:Delivery".</summary>
public sealed class DeliveryOptions
{
    public const string Section = "ChipAlerts:Delivery";

    /// <summary>The delay after the first failed attempt; it doubles with each further failure.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Up to this fraction of each retry delay is added at random, so alerts that failed together (an
    /// outage) do not all come back in the same second.
    /// </summary>
    [Range(0.0, 1.0)]
    public double RetryJitter { get; set; } = 0.1;

    /// <summary>
    /// Attempts before an alert whose failures are all worth retrying is dead-lettered (kept, with its last
    /// error, until `chipalerts deliveries replay`). Ten attempts from 30 s doubling to 1 h span about 4.5 hours.
    /// </summary>
    [Range(1, 1000)]
    public int MaxAttempts { get; set; } = 10;

    /// <summary>
    /// How long a deliverer holds an alert it is sending. Longer than any one send; if the deliverer
    /// dies, another takes the alert after this.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// On a stop (Ctrl+C, SIGTERM, host shutdown): how long the sends in flight may take to finish and be
    /// recorded. One still running then is interrupted and put back, due at once, without counting an attempt.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Retries within one pass, for a blip, before the outbox's schedule takes over: exponential from
    /// <see cref="QuickRetryDelay"/>, with jitter, or after the server's Retry-After when that is at most
    /// <see cref="QuickRetryMaxWait"/>. Zero turns them off.
    /// </summary>
    [Range(0, 5)]
    public int QuickRetries { get; set; } = 2;

    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan QuickRetryDelay { get; set; } = TimeSpan.FromSeconds(0.5);

    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan QuickRetryMaxWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Destinations (channel addresses) served at once; each destination's alerts go one after another, in order.</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 4;

    /// <summary>
    /// SMTP connections kept to the relay, each used by one send at a time: emails to different destinations
    /// go out side by side. More than <see cref="Concurrency"/> are never used.
    /// </summary>
    [Range(1, 64)]
    public int SmtpConnections { get; set; } = 4;

    /// <summary>
    /// Failed sends to one endpoint (an SMTP relay, a webhook host) within a minute, at least half of its
    /// sends, that open its circuit: its alerts are then not tried for <see cref="BreakDuration"/>.
    /// </summary>
    [Range(2, 1000)]
    public int BreakerFailures { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Messages per second to one destination, by channel type; types not listed are not limited. Slack
    /// allows about one per second per webhook, Discord 30 a minute per channel, Teams about four a second.
    /// </summary>
    public Dictionary<string, double> MessagesPerSecond { get; set; } = new(StringComparer.Ordinal)
    {
        ["slack"] = 1,
        ["discord"] = 0.5,
        ["teams"] = 4,
    };

    /// <summary>
    /// From one poll of one feed, at most this many immediate alerts to one subscriber's channel; the newest
    /// are sent and the rest become one message ("and 488 more items matched Rapidus"). Digests are not capped.
    /// </summary>
    [Range(1, 10000)]
    public int MaxImmediatePerPoll { get; set; } = 20;

    /// <summary>Deadline of one webhook request.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(15);
}
