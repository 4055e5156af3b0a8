using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace ChipAlerts.Core.WebSub;

/// <summary>
/// WebSub push. Section "ChipAlerts:WebSub". Off until <see cref="CallbackUrl"/> is set: then every feed that
/// announces a hub is subscribed to, and while the hub's lease holds the feed is polled only every
/// <see cref="PollIntervalWhilePushed"/>, as a safety net. A hub that refuses, never verifies, denies or lets
/// the lease lapse puts the feed back on its own polling interval at once.
/// </summary>
public sealed class WebSubOptions
{
    public const string Section = "ChipAlerts:WebSub";

    /// <summary>
    /// The public URL hubs call back, such as https://alerts.example.com/websub (the local runner's listener) or
    /// https://&lt;app&gt;.azurewebsites.net/api/websub (the Functions app); each subscription adds its own path segment.
    /// </summary>
    public string? CallbackUrl { get; set; }

    /// <summary>Where `chipalerts run` listens for the hubs' calls; a reverse proxy or tunnel serves it at <see cref="CallbackUrl"/>.</summary>
    public string ListenUrl { get; set; } = "http://0.0.0.0:8080";

    /// <summary>The lease asked for; the hub grants what it will, and the subscription is renewed before it ends.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromDays(10);

    /// <summary>How long before the lease ends it is renewed (half the lease, when the hub granted less than twice this).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan RenewBefore { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a request waits for the hub's verification of intent before it counts as failed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan VerifyTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>While pushed, a feed is still polled this often, in case the hub stops sending without a word.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan PollIntervalWhilePushed { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The first wait after a hub failed a request, doubling with each failure up to <see cref="MaxBackoff"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan FailureBackoff { get; set; } = TimeSpan.FromMinutes(5);

    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(6);

    public bool Enabled => !string.IsNullOrWhiteSpace(CallbackUrl);
}

[JsonConverter(typeof(JsonStringEnumConverter<PushState>))]
public enum PushState
{
    /// <summary>Asked the hub; waiting for its verification of intent.</summary>
    Requested,

    /// <summary>Verified: the hub pushes until <see cref="PushSubscription.LeaseUntil"/>.</summary>
    Active,

    /// <summary>The hub refused or never verified; asked again after a backoff. The feed is polled meanwhile.</summary>
    Failed,

    /// <summary>The hub denied the subscription (hub.mode=denied); asked again after a backoff.</summary>
    Denied,

    /// <summary>Asked the hub to stop (the feed was removed, or no longer announces that hub).</summary>
    Unsubscribing,
}

/// <summary>
/// One feed's subscription at its hub. <see cref="Token"/> is the callback's last path segment, so a callback names
/// no feed; <see cref="Secret"/> signs what the hub pushes (X-Hub-Signature) and is never shown.
/// </summary>
public sealed record PushSubscription
{
    public required string FeedId { get; init; }
    public required string Hub { get; init; }
    public required string Topic { get; init; }
    public required string Token { get; init; }
    public required string Secret { get; init; }
    public required PushState State { get; init; }

    /// <summary>When the latest subscribe or unsubscribe request was sent.</summary>
    public DateTimeOffset? RequestedAt { get; init; }

    public DateTimeOffset? VerifiedAt { get; init; }
    public DateTimeOffset? LeaseUntil { get; init; }

    /// <summary>Not asked again before this, after a failure or a denial.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    public int Failures { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? LastPushAt { get; init; }
    public long Pushes { get; init; }

    /// <summary>The store's concurrency token of the copy read; null for one never stored.</summary>
    [JsonIgnore]
    public string? Version { get; init; }

    /// <summary>Whether the hub is pushing now: verified, and its lease not over.</summary>
    public bool IsActiveAt(DateTimeOffset now) => State == PushState.Active && LeaseUntil > now;

    /// <summary>For a message: the state, the lease and the last error, never the secret.</summary>
    public override string ToString() => $"{FeedId} at {Hub}: {State}{(LeaseUntil is { } lease ? $", lease until {lease:u}" : "")}{(LastError is null ? "" : $", {LastError}")}";
}

/// <summary>The subscriptions, one per feed: SQLite and Table Storage, as the other state.</summary>
public interface IPushSubscriptionStore
{
    Task<IReadOnlyList<PushSubscription>> GetPushSubscriptionsAsync(CancellationToken cancellationToken);

    Task<PushSubscription?> GetPushSubscriptionByTokenAsync(string token, CancellationToken cancellationToken);

    /// <summary>
    /// A conditional write on the copy read (<see cref="PushSubscription.Version"/>; null: none may exist for the feed).
    /// Returns what was stored with its new version, or null when another writer changed it since: of two runners,
    /// one subscribes a feed.
    /// </summary>
    Task<PushSubscription?> TrySavePushSubscriptionAsync(PushSubscription subscription, CancellationToken cancellationToken);

    Task DeletePushSubscriptionAsync(string feedId, CancellationToken cancellationToken);
}
