using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChipAlerts.Core.Configuration;

// The shape of chipalerts.json. Unknown fields land in Unknown and are reported by the validator,
// so that a typo ("watchlist" for "watchLists") stops start-up instead of being ignored.
// Read by generated code (ConfigJson), not reflection, which cost every command's start-up more. Their
// properties are settable rather than init-only because the generator sets init-only properties all at
// once, the ones absent from the file as null, dropping the defaults written here.

public sealed record ChipAlertsConfig
{
    [JsonPropertyName("$schema")]
    public string? Schema { get; set; }

    /// <summary>NCRONTAB, six fields with seconds as in Azure Functions timers: "0 */15 * * * *".</summary>
    public string PollSchedule { get; set; } = "0 */15 * * * *";

    public List<FeedConfig> Feeds { get; set; } = [];
    public List<WatchListConfig> WatchLists { get; set; } = [];
    public List<SubscriberConfig> Subscribers { get; set; } = [];
    public EmailConfig? Email { get; set; }

    /// <summary>Optional: where to tell whoever runs ChipAlerts that a feed keeps failing, and that it recovered.</summary>
    public OperatorConfig? Operator { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}

public sealed record FeedConfig
{
    /// <summary>Stable identifier (lower-case, digits, '-'); the ledger keys items by it, so never rename it.</summary>
    public string Id { get; set; } = "";

    public string? Name { get; set; }

    /// <summary>http(s) URL, a file: URI, or a path relative to the configuration file.</summary>
    public string Url { get; set; } = "";

    /// <summary>Minimum time between two polls of this feed; by default every scheduled cycle.</summary>
    public TimeSpan? Interval { get; set; }

    /// <summary>How long a copy of an item under a new guid is recognised by its text; by default ChipAlerts:Fetch:FingerprintWindow (7 days).</summary>
    public TimeSpan? FingerprintWindow { get; set; }

    /// <summary>
    /// On the feed's first poll, the items published this long before it still alert ("1.00:00:00"); the older
    /// ones are recorded as seen, silently. "all" alerts on the whole backlog. By default ChipAlerts:Fetch:Backfill.
    /// </summary>
    public string? Backfill { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }

    public string DisplayName => Name ?? Id;
}

public sealed record WatchListConfig
{
    public string Name { get; set; } = "";

    /// <summary>What to look for, in the query syntax of <see cref="Matching.QueryParser"/>: <c>Rapidus OR ラピダス</c>.</summary>
    public string Query { get; set; } = "";

    /// <summary>The score an item needs to match: each distinct term found adds its field's weight.</summary>
    public int MinScore { get; set; } = 1;

    public FieldWeights Weights { get; set; } = new();

    /// <summary>True: NEAR also pairs a word of the title with one of the summary, as if the summary followed the title.</summary>
    public bool NearAcrossFields { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}

/// <summary>What a term found in each field adds to an item's score: a title mention counts more.</summary>
public sealed record FieldWeights
{
    public int Title { get; set; } = 3;
    public int Summary { get; set; } = 1;

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}

public sealed record OperatorConfig
{
    /// <summary>The subscriber id operator alerts carry; no configured subscriber can have it (ids have no '~').</summary>
    public const string SubscriberId = "~operator";

    public List<ChannelConfig> Channels { get; set; } = [];

    /// <summary>Consecutive failures of one feed before the operator is told (once, and again when it recovers).</summary>
    public int FailuresBeforeAlert { get; set; } = 3;

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}

public sealed record SubscriberConfig
{
    /// <summary>Stable identifier; part of every AlertId, so never rename it.</summary>
    public string Id { get; set; } = "";

    public string? Name { get; set; }
    public List<string> WatchLists { get; set; } = [];
    public List<ChannelConfig> Channels { get; set; } = [];

    /// <summary>True: alerts are held and sent together, one message per channel, on <see cref="DigestSchedule"/>.</summary>
    public bool Digest { get; set; }

    /// <summary>
    /// When this subscriber's digest goes out: a cron expression in <see cref="TimeZone"/>, e.g. "0 8 * * 1-5"
    /// (weekdays at 08:00). Setting it makes the subscriber a digest subscriber; with only "digest": true,
    /// <see cref="DefaultDigestSchedule"/>.
    /// </summary>
    public string? DigestSchedule { get; set; }

    public const string DefaultDigestSchedule = "0 8 * * *";

    /// <summary>IANA time zone of the digest schedule and quiet hours, e.g. "Asia/Tokyo". Default: UTC.</summary>
    public string? TimeZone { get; set; }

    /// <summary>Immediate alerts made in this window are held until it ends (digests keep their own schedule).</summary>
    public QuietHoursConfig? QuietHours { get; set; }

    /// <summary>
    /// Severity routing: the first route whose conditions an item meets picks its channels and timing; an item
    /// no route takes is not sent. Without routes every item goes to every channel, at once (or in the digest).
    /// </summary>
    public List<RouteConfig>? Routes { get; set; }

    [JsonIgnore]
    public bool IsDigest => Digest || DigestSchedule is not null;

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
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
    public string Name { get; set; } = "";

    /// <summary>The route takes an item only if one of these lists matched it (with <see cref="MinScore"/>); by default any the subscriber follows.</summary>
    public List<string>? WatchLists { get; set; }

    /// <summary>The score a match needs for this route (title hits weigh 3, summary hits 1 by default).</summary>
    public int? MinScore { get; set; }

    /// <summary>The subscriber's channels this route uses, each by its name or its type ("teams", "email"); by default all.</summary>
    public List<string>? Channels { get; set; }

    /// <summary>"now" (default) or "digest" (the subscriber's digestSchedule, by default daily at 08:00).</summary>
    public string Deliver { get; set; } = Now;

    /// <summary>With "now": send even in the subscriber's quiet hours.</summary>
    public bool ThroughQuietHours { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}

/// <summary>A daily window in the subscriber's time zone, "HH:mm" to "HH:mm"; it may cross midnight ("22:00" to "07:00").</summary>
public sealed record QuietHoursConfig
{
    public string From { get; set; } = "";
    public string To { get; set; } = "";

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}

public sealed record ChannelConfig
{
    public const string EmailType = "email";
    public const string WebhookType = "webhook";
    public const string SlackType = "slack";
    public const string TeamsType = "teams";
    public const string DiscordType = "discord";

    /// <summary>"email", "webhook" (signed JSON), or a chat tool's incoming webhook: "slack", "teams", "discord".</summary>
    public string Type { get; set; } = "";

    /// <summary>Optional: how a subscriber's routes refer to this channel when its type alone does not say which.</summary>
    public string? Name { get; set; }

    /// <summary>email: the recipient address.</summary>
    public string? To { get; set; }

    /// <summary>webhook, slack, teams, discord: the name of the setting that holds the URL (a secret: it is never written here).</summary>
    public string? UrlSetting { get; set; }

    /// <summary>webhook, optional: the name of the setting that holds the whsec_ signing secret.</summary>
    public string? SigningSecretSetting { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}

public sealed record EmailConfig
{
    /// <summary>The From address, e.g. "ChipAlerts &lt;alerts@example.com&gt;".</summary>
    public string From { get; set; } = "";

    /// <summary>Absent: messages are written as .eml files to the outbox pickup folder.</summary>
    public SmtpConfig? Smtp { get; set; }

    /// <summary>
    /// The public URL of the unsubscribe endpoint (the Functions app's /api/unsubscribe). With it, every
    /// email carries List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 one-click) and a footer link,
    /// each with a token signed by the key in the setting <see cref="UnsubscribeKeySetting"/>.
    /// </summary>
    public string? UnsubscribeUrl { get; set; }

    /// <summary>
    /// An address that takes unsubscribe requests by email, for mail clients that only offer the mailto: form of
    /// List-Unsubscribe (RFC 2369). Each request's subject carries the signed token, which `chipalerts optouts add`
    /// takes as it is (or the whole mailto: link).
    /// </summary>
    public string? UnsubscribeMailbox { get; set; }

    /// <summary>Name of the setting holding the unsubscribe signing key (at least 32 characters, kept secret).</summary>
    public string UnsubscribeKeySetting { get; set; } = "ChipAlerts:UnsubscribeKey";

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}

public sealed record SmtpConfig
{
    public string Host { get; set; } = "";
    public int Port { get; set; } = 587;

    /// <summary>"StartTls" (default), "SslOnConnect", or "None" for a relay on localhost.</summary>
    public string Security { get; set; } = "StartTls";

    public string? UserName { get; set; }

    /// <summary>The name of the setting that holds the password.</summary>
    public string? PasswordSetting { get; set; }

    /// <summary>
    /// SHA-256 of the relay's certificate (64 hex digits, colons allowed): a relay with a self-signed
    /// certificate is trusted when it presents exactly this one. Without it, the usual chain checks apply.
    /// </summary>
    public string? CertificateThumbprint { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}

/// <summary>chipalerts.json's reader and writer, made at build time (<see cref="ConfigLoader.JsonOptions"/> uses it).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(ChipAlertsConfig))]
internal sealed partial class ConfigJson : JsonSerializerContext;
