using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChipAlerts.Core.Configuration;

// The shape of chipalerts.json. Unknown fields land in Unknown and are reported by the validator,
// so that a typo ("watchlist" for "watchLists") stops start-up instead of being ignored.

public sealed record ChipAlertsConfig
{
    [JsonPropertyName("$schema")]
    public string? Schema { get; init; }

    /// <summary>NCRONTAB, six fields with seconds as in Azure Functions timers: "0 */15 * * * *".</summary>
    public string PollSchedule { get; init; } = "0 */15 * * * *";

    public List<FeedConfig> Feeds { get; init; } = [];
    public List<WatchListConfig> WatchLists { get; init; } = [];
    public List<SubscriberConfig> Subscribers { get; init; } = [];
    public EmailConfig? Email { get; init; }

    /// <summary>Optional: where to tell whoever runs ChipAlerts that a feed keeps failing, and that it recovered.</summary>
    public OperatorConfig? Operator { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; init; }
}

public sealed record FeedConfig
{
    /// <summary>Stable identifier (lower-case, digits, '-'); the ledger keys items by it, so never rename it.</summary>
    public string Id { get; init; } = "";

    public string? Name { get; init; }

    /// <summary>http(s) URL, a file: URI, or a path relative to the configuration file.</summary>
    public string Url { get; init; } = "";

    /// <summary>Minimum time between two polls of this feed; by default every scheduled cycle.</summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>How long a copy of an item under a new guid is recognised by its text; by default ChipAlerts:Fetch:FingerprintWindow (7 days).</summary>
    public TimeSpan? FingerprintWindow { get; init; }

    /// <summary>
    /// On the feed's first poll, the items published this long before it still alert ("1.00:00:00"); the older
    /// ones are recorded as seen, silently. "all" alerts on the whole backlog. By default ChipAlerts:Fetch:Backfill.
    /// </summary>
    public string? Backfill { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; init; }

    public string DisplayName => Name ?? Id;
}

public sealed record WatchListConfig
{
    public string Name { get; init; } = "";

    /// <summary>What to look for, in the query syntax of <see cref="Matching.QueryParser"/>: <c>Rapidus OR ラピダス</c>.</summary>
    public string Query { get; init; } = "";

    /// <summary>The score an item needs to match: each distinct term found adds its field's weight.</summary>
    public int MinScore { get; init; } = 1;

    public FieldWeights Weights { get; init; } = new();

    /// <summary>True: NEAR also pairs a word of the title with one of the summary, as if the summary followed the title.</summary>
    public bool NearAcrossFields { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; init; }
}

/// <summary>What a term found in each field adds to an item's score: a title mention counts more.</summary>
public sealed record FieldWeights
{
    public int Title { get; init; } = 3;
    public int Summary { get; init; } = 1;

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; init; }
}

public sealed record OperatorConfig
{
    /// <summary>The subscriber id operator alerts carry; no configured subscriber can have it (ids have no '~').</summary>
    public const string SubscriberId = "~operator";

    public List<ChannelConfig> Channels { get; init; } = [];

    /// <summary>Consecutive failures of one feed before the operator is told (once, and again when it recovers).</summary>
    public int FailuresBeforeAlert { get; init; } = 3;

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; init; }
}

public sealed record SubscriberConfig
{
    /// <summary>Stable identifier; part of every AlertId, so never rename it.</summary>
    public string Id { get; init; } = "";

    public string? Name { get; init; }
    public List<string> WatchLists { get; init; } = [];
    public List<ChannelConfig> Channels { get; init; } = [];

    /// <summary>True: alerts are held and sent together, one message per channel, on <see cref="DigestSchedule"/>.</summary>
    public bool Digest { get; init; }

    /// <summary>
    /// When this subscriber's digest goes out: a cron expression in <see cref="TimeZone"/>, e.g. "0 8 * * 1-5"
    /// (weekdays at 08:00). Setting it makes the subscriber a digest subscriber; with only "digest": true,
    /// <see cref="DefaultDigestSchedule"/>.
    /// </summary>
    public string? DigestSchedule { get; init; }

    public const string DefaultDigestSchedule = "0 8 * * *";

    /// <summary>IANA time zone of the digest schedule and quiet hours, e.g. "Asia/Tokyo". Default: UTC.</summary>
    public string? TimeZone { get; init; }

    /// <summary>Immediate alerts made in this window are held until it ends (digests keep their own schedule).</summary>
    public QuietHoursConfig? QuietHours { get; init; }

    /// <summary>
    /// Severity routing: the first route whose conditions an item meets picks its channels and timing; an item
    /// no route takes is not sent. Without routes every item goes to every channel, at once (or in the digest).
    /// </summary>
    public List<RouteConfig>? Routes { get; init; }

    [JsonIgnore]
    public bool IsDigest => Digest || DigestSchedule is not null;

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; init; }
}

/// <summary>
/// One severity route: "score ≥ 6 on Export controls → Teams and email now, through quiet hours". Conditions
/// left out always hold; a route with none takes everything the routes before it left.
/// </summary>
public sealed record RouteConfig
{
    public const string Now = "now";
    public const string DigestTiming = "digest";

    /// <summary>Named in each alert it chooses, so the reader knows why it came this way.</summary>
    public string Name { get; init; } = "";

    /// <summary>The route takes an item only if one of these lists matched it (with <see cref="MinScore"/>); by default any the subscriber follows.</summary>
    public List<string>? WatchLists { get; init; }

    /// <summary>The score a match needs for this route (title hits weigh 3, summary hits 1 by default).</summary>
    public int? MinScore { get; init; }

    /// <summary>The subscriber's channels this route uses, each by its name or its type ("teams", "email"); by default all.</summary>
    public List<string>? Channels { get; init; }

    /// <summary>"now" (default) or "digest" (the subscriber's digestSchedule, by default daily at 08:00).</summary>
    public string Deliver { get; init; } = Now;

    /// <summary>With "now": send even in the subscriber's quiet hours.</summary>
    public bool ThroughQuietHours { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; init; }
}

/// <summary>A daily window in the subscriber's time zone, "HH:mm" to "HH:mm"; it may cross midnight ("22:00" to "07:00").</summary>
public sealed record QuietHoursConfig
{
    public string From { get; init; } = "";
    public string To { get; init; } = "";

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; init; }
}

public sealed record ChannelConfig
{
    public const string EmailType = "email";
    public const string WebhookType = "webhook";
    public const string SlackType = "slack";
    public const string TeamsType = "teams";
    public const string DiscordType = "discord";

    /// <summary>"email", "webhook" (signed JSON), or a chat tool's incoming webhook: "slack", "teams", "discord".</summary>
    public string Type { get; init; } = "";

    /// <summary>Optional: how a subscriber's routes refer to this channel when its type alone does not say which.</summary>
    public string? Name { get; init; }

    /// <summary>email: the recipient address.</summary>
    public string? To { get; init; }

    /// <summary>webhook, slack, teams, discord: the name of the setting that holds the URL (a secret: it is never written here).</summary>
    public string? UrlSetting { get; init; }

    /// <summary>webhook, optional: the name of the setting that holds the whsec_ signing secret.</summary>
    public string? SigningSecretSetting { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; init; }
}

public sealed record EmailConfig
{
    /// <summary>The From address, e.g. "ChipAlerts &lt;alerts@example.com&gt;".</summary>
    public string From { get; init; } = "";

    /// <summary>Absent: messages are written as .eml files to the outbox pickup folder.</summary>
    public SmtpConfig? Smtp { get; init; }

    /// <summary>
    /// The public URL of the unsubscribe endpoint (the Functions app's /api/unsubscribe). With it, every
    /// email carries List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 one-click) and a footer link,
    /// each with a token signed by the key in the setting <see cref="UnsubscribeKeySetting"/>.
    /// </summary>
    public string? UnsubscribeUrl { get; init; }

    /// <summary>
    /// An address that takes unsubscribe requests by email, for mail clients that only offer the mailto: form of
    /// List-Unsubscribe (RFC 2369). Each request's subject carries the signed token, which `chipalerts optouts add`
    /// takes as it is (or the whole mailto: link).
    /// </summary>
    public string? UnsubscribeMailbox { get; init; }

    /// <summary>Name of the setting holding the unsubscribe signing key (at least 32 characters, kept secret).</summary>
    public string UnsubscribeKeySetting { get; init; } = "ChipAlerts:UnsubscribeKey";

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; init; }
}

public sealed record SmtpConfig
{
    public string Host { get; init; } = "";
    public int Port { get; init; } = 587;

    /// <summary>"StartTls" (default), "SslOnConnect", or "None" for a relay on localhost.</summary>
    public string Security { get; init; } = "StartTls";

    public string? UserName { get; init; }

    /// <summary>The name of the setting that holds the password.</summary>
    public string? PasswordSetting { get; init; }

    /// <summary>
    /// SHA-256 of the relay's certificate (64 hex digits, colons allowed): a relay with a self-signed
    /// certificate is trusted when it presents exactly this one. Without it, the usual chain checks apply.
    /// </summary>
    public string? CertificateThumbprint { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; init; }
}
