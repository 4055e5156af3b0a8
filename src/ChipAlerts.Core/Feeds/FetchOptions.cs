using System.ComponentModel.DataAnnotations;

namespace ChipAlerts.Core.Feeds;

/// <summary>Bounds on what one feed may cost. Section "ChipAlerts:Fetch".</summary>
public sealed class FetchOptions
{
    public const string Section = "ChipAlerts:Fetch";

    /// <summary>One deadline for the whole fetch: connect, headers and reading the body.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Cap on the body after decompression.</summary>
    [Range(1024, 512L * 1024 * 1024)]
    public long MaxBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Items read of one feed document, in document order (feeds list the newest first); the rest are reported, not read.</summary>
    [Range(1, 100_000)]
    public int MaxItems { get; set; } = FeedParser.DefaultMaxItems;

    /// <summary>How many feeds are fetched at once.</summary>
    [Range(1, 64)]
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>How many requests go to one host at once (every poll of the process together), so no publisher is hammered.</summary>
    [Range(1, 64)]
    public int MaxPerHost { get; set; } = 2;

    [Range(0, 10)]
    public int MaxRedirects { get; set; } = 5;

    /// <summary>
    /// Bounds on the interval adapted to a feed's publishing rate (half its average gap between items):
    /// a feed that publishes hourly is polled about every 30 minutes, one that publishes weekly no more
    /// than every <see cref="AdaptiveMaxInterval"/>. The configured interval and the publisher's floor still apply.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan AdaptiveMinInterval { get; set; } = TimeSpan.Zero;

    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan AdaptiveMaxInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A random fraction of each wait added to it (0.1: up to 10 % more), so feeds do not poll in lockstep.</summary>
    [Range(0.0, 1.0)]
    public double Jitter { get; set; } = 0.1;

    /// <summary>How long an item's fingerprint (feed, title and summary) keeps a copy under a new guid from alerting again; a feed's <c>fingerprintWindow</c> overrides it.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan FingerprintWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The base of the backoff after consecutive failures (doubling, capped at <see cref="MaxBackoff"/>).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan FailureBackoff { get; set; } = TimeSpan.FromMinutes(5);

    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(6);

    /// <summary>
    /// On a feed's first successful poll (a new feed, an imported one, a store that lost its state), the items
    /// published this long before it still alert; older ones are recorded as seen without alerting, so a new
    /// feed never floods its readers with its archive. "all" alerts on everything. A feed's own backfill wins.
    /// </summary>
    public string Backfill { get; set; } = "1.00:00:00";

    /// <summary>
    /// How long a poller holds a feed it is polling, so that other runners or instances on the same store
    /// leave it alone. Longer than a poll takes; if the poller dies, the feed is polled again after this.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// False (the default): a feed whose host resolves to a loopback, private, link-local or other
    /// non-public address is refused before connecting, redirects included. True for feeds on an
    /// intranet, and for tests, which serve feeds from 127.0.0.1.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>
    /// Host names (as written in feed urls) that may resolve to private addresses while every other host
    /// may not: an intranet feed server without opening the whole private network. Redirects to any other
    /// host are still judged by their addresses.
    /// </summary>
    public List<string> AllowedPrivateHosts { get; set; } = [];

    /// <summary>
    /// Where a publisher can reach whoever runs this deployment (a web page or mailto:), sent in every
    /// request's User-Agent so that a publisher who sees trouble writes instead of banning.
    /// </summary>
    [Required]
    [RegularExpression(@"^(https?://\S+|mailto:\S+@\S+)$", ErrorMessage = "ContactUrl must be an http(s) URL or a mailto: address, e.g. https://alerts.example.com/contact.")]
    public string ContactUrl { get; set; } = "https://github.com/chipalerts/chipalerts";

    /// <summary>"ChipAlerts/1.0 (+https://…)": the product, its version, and the contact URL.</summary>
    public string UserAgent => $"ChipAlerts/{typeof(FetchOptions).Assembly.GetName().Version?.ToString(2) ?? "1.0"} (+{ContactUrl})";
}
