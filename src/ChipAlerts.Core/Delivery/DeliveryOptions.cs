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
    /// Attempts before an alert whose failures are all worth retrying is dead-lettered (kept, with its last
    /// error, until `chipalerts deliveries replay`). Ten attempts from 30 s doubling to 1 h span about 4.5 hours.
    /// </summary>
    [Range(1, 1000)]
    public int MaxAttempts { get; set; } = 10;

    /// <summary>How many alerts one delivery pass takes from the outbox at a time.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>
    /// How long a deliverer holds an alert it is sending. Longer than any one send; if the deliverer
    /// dies, another takes the alert after this.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Deadline of one webhook request.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(15);
}
