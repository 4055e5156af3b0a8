using System.Text.Json;
using System.Text.RegularExpressions;
using ChipAlerts.Core.Matching;
using Cronos;
using Microsoft.Extensions.Configuration;
using MimeKit;

namespace ChipAlerts.Core.Configuration;

/// <summary>The configuration file, read and validated, with the folder its relative paths are relative to.</summary>
public sealed record LoadedConfig(ChipAlertsConfig Config, string BaseDirectory)
{
    /// <summary>Resolves a feed's url: http(s) as is; file: URIs and relative paths against the config file.</summary>
    public Uri ResolveFeedUrl(FeedConfig feed) => ConfigLoader.ResolveUrl(feed.Url, BaseDirectory)!;

    /// <summary>The channels of a subscriber, or of the operator (<see cref="OperatorConfig.SubscriberId"/>).</summary>
    public IReadOnlyList<ChannelConfig> ChannelsOf(string subscriberId) =>
        subscriberId == OperatorConfig.SubscriberId
            ? Config.Operator?.Channels ?? []
            : Config.Subscribers.FirstOrDefault(s => s.Id == subscriberId)?.Channels ?? [];
}

/// <summary>
/// Reads chipalerts.json and validates it completely: every problem is reported with its JSON path
/// and a fix, so one edit-run cycle fixes them all.
/// </summary>
public static partial class ConfigLoader
{
    /// <summary>
    /// The app setting the Functions timer reads its schedule from; when set, the local runner follows it
    /// too, so both hosts poll on one schedule.
    /// </summary>
    public const string PollScheduleSetting = "ChipAlerts:PollSchedule";

    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        TypeInfoResolver = ConfigJson.Default,
    };

    public static LoadedConfig Load(string path, IConfiguration settings)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new ConfigurationException(path, [new("$", $"file not found at '{fullPath}'. Pass --config <file>, or run from the repository root to use samples/chipalerts.json.")]);
        }

        ChipAlertsConfig? config;
        try
        {
            using var stream = File.OpenRead(fullPath);
            config = JsonSerializer.Deserialize<ChipAlertsConfig>(stream, JsonOptions);
        }
        catch (JsonException e)
        {
            var where = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "$" : e.Path.TrimStart('$', '.');
            var what = e.Message.Split(" Path:", 2)[0];
            throw new ConfigurationException(path, [new(where, $"cannot be read (line {e.LineNumber + 1}): {what}")]);
        }

        if (config is null)
        {
            throw new ConfigurationException(path, [new("$", "the file holds 'null'; it must be a JSON object with feeds, watchLists and subscribers.")]);
        }

        var baseDirectory = Path.GetDirectoryName(fullPath)!;
        var errors = Validate(config, baseDirectory, settings);
        return errors.Count > 0 ? throw new ConfigurationException(path, errors) : new LoadedConfig(config, baseDirectory);
    }

    public static List<ConfigError> Validate(ChipAlertsConfig config, string baseDirectory, IConfiguration settings)
    {
        var errors = new List<ConfigError>();
        void Error(string path, string message) => errors.Add(new(path, message));

        ReportUnknown("", config.Unknown, ["$schema", "pollSchedule", "feeds", "watchLists", "subscribers", "email", "operator"], errors);

        if (!TryParseCron(config.PollSchedule, out _))
        {
            Error("pollSchedule", $"'{config.PollSchedule}' is not an NCRONTAB expression; use six fields with seconds first, e.g. \"0 */15 * * * *\" for every 15 minutes.");
        }

        if (settings[PollScheduleSetting] is { Length: > 0 } scheduleSetting && !TryParseCron(scheduleSetting, out _))
        {
            Error($"setting {PollScheduleSetting}", $"'{scheduleSetting}' is not an NCRONTAB expression; use six fields with seconds first, e.g. \"0 */15 * * * *\", or remove the setting to use pollSchedule.");
        }

        if (config.Feeds.Count == 0)
        {
            Error("feeds", "no feeds: add at least one { \"id\": \"…\", \"url\": \"…\" }.");
        }

        var feedIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < config.Feeds.Count; i++)
        {
            var feed = config.Feeds[i];
            var at = $"feeds[{i}]";
            ReportUnknown(at, feed.Unknown, ["id", "name", "url", "interval", "fingerprintWindow", "backfill"], errors);
            CheckId(at, feed.Id, feedIds, "feed", Error);
            if (string.IsNullOrWhiteSpace(feed.Url))
            {
                Error($"{at}.url", "missing: give an http(s) URL or a path to a local feed file.");
            }
            else if (ResolveUrl(feed.Url, baseDirectory) is not { } url)
            {
                Error($"{at}.url", $"'{feed.Url}' is neither an http(s) URL nor a file path.");
            }
            else if (url.IsFile && !File.Exists(url.LocalPath))
            {
                Error($"{at}.url", $"the file '{url.LocalPath}' does not exist; paths are relative to the configuration file.");
            }

            if (feed.Interval is { } interval && interval <= TimeSpan.Zero)
            {
                Error($"{at}.interval", "must be positive, e.g. \"00:15:00\"; leave it out to poll on every cycle.");
            }

            if (feed.Backfill is { } backfill && !Feeds.Backfill.TryParse(backfill, out _))
            {
                Error($"{at}.backfill", $"'{backfill}' is neither \"all\" nor a duration such as \"1.00:00:00\" (a day) or \"06:00:00\".");
            }

            if (feed.FingerprintWindow is { } window && window < TimeSpan.Zero)
            {
                Error($"{at}.fingerprintWindow", "must be zero or positive, e.g. \"7.00:00:00\"; zero turns fingerprints off for this feed.");
            }
        }

        var listNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < config.WatchLists.Count; i++)
        {
            var list = config.WatchLists[i];
            var at = $"watchLists[{i}]";
            string[] replaced = ["terms", "caseSensitiveTerms", "exclude"];
            ReportUnknown(at, list.Unknown?.Where(f => !replaced.Contains(f.Key)).ToDictionary(), ["name", "query", "minScore", "weights", "nearAcrossFields"], errors);
            ReportUnknown($"{at}.weights", list.Weights?.Unknown, ["title", "summary"], errors);
            if (string.IsNullOrWhiteSpace(list.Name))
            {
                Error($"{at}.name", "missing: every watch-list needs a name that subscribers refer to.");
            }
            else if (!listNames.Add(list.Name))
            {
                Error($"{at}.name", $"'{list.Name}' is used by another watch-list; names must be unique (ignoring case).");
            }

            if (list.Unknown?.Keys.FirstOrDefault(replaced.Contains) is { } old)
            {
                Error($"{at}.{old}", "replaced by query: write the terms as one query, e.g. \"query\": \"Rapidus OR ラピダス -rumour\" (see the README's query syntax).");
            }

            try
            {
                QueryParser.Parse(list.Query);
            }
            catch (QueryException e)
            {
                Error($"{at}.query", $"watch-list '{list.Name}', character {e.Position + 1} ({Near(list.Query, e.Position)}): {e.Reason}");
            }

            if (list.MinScore < 1)
            {
                Error($"{at}.minScore", "must be 1 or more: the score an item needs, each term found adding its field's weight.");
            }

            if (list.Weights is null || list.Weights.Title < 0 || list.Weights.Summary < 0)
            {
                Error($"{at}.weights", "give weights of 0 or more, e.g. { \"title\": 3, \"summary\": 1 }, or leave the field out.");
            }
        }

        var subscriberIds = new HashSet<string>(StringComparer.Ordinal);
        var needsEmail = false;
        for (var i = 0; i < config.Subscribers.Count; i++)
        {
            var subscriber = config.Subscribers[i];
            var at = $"subscribers[{i}]";
            ReportUnknown(at, subscriber.Unknown, ["id", "name", "watchLists", "channels", "digest", "digestSchedule", "timeZone", "quietHours", "routes"], errors);
            if (subscriber.DigestSchedule is { } digestSchedule && !TryParseCron(digestSchedule, out _))
            {
                Error($"{at}.digestSchedule", $"'{digestSchedule}' is not a cron expression; write minute hour day month weekday, e.g. \"0 8 * * 1-5\" for weekdays at 08:00 in the subscriber's timeZone.");
            }

            if (subscriber.TimeZone is { } zone && !Routing.SubscriberClock.IsKnownZone(zone))
            {
                Error($"{at}.timeZone", $"'{zone}' is not a time zone; use an IANA name such as \"Asia/Tokyo\", \"Europe/Berlin\" or \"America/New_York\".");
            }

            if (subscriber.QuietHours is { } quiet)
            {
                ReportUnknown($"{at}.quietHours", quiet.Unknown, ["from", "to"], errors);
                foreach (var (field, value) in (ReadOnlySpan<(string, string)>)[("from", quiet.From), ("to", quiet.To)])
                {
                    if (Routing.SubscriberClock.TimeOfDay(value) is null)
                    {
                        Error($"{at}.quietHours.{field}", $"'{value}' is not a time of day; write it as \"HH:mm\", e.g. {{ \"from\": \"22:00\", \"to\": \"07:00\" }}.");
                    }
                }
            }

            CheckId(at, subscriber.Id, subscriberIds, "subscriber", Error);
            if (subscriber.WatchLists.Count == 0)
            {
                Error($"{at}.watchLists", "empty: name at least one watch-list this subscriber follows.");
            }

            for (var j = 0; j < subscriber.WatchLists.Count; j++)
            {
                if (!listNames.Contains(subscriber.WatchLists[j]))
                {
                    Error($"{at}.watchLists[{j}]", $"no watch-list is named '{subscriber.WatchLists[j]}'; known lists: {string.Join(", ", config.WatchLists.Select(l => l.Name))}.");
                }
            }

            if (subscriber.Channels.Count == 0)
            {
                Error($"{at}.channels", "empty: add { \"type\": \"email\", \"to\": \"…\" } or { \"type\": \"webhook\", \"urlSetting\": \"…\" }.");
            }

            for (var j = 0; j < subscriber.Channels.Count; j++)
            {
                needsEmail |= CheckChannel($"{at}.channels[{j}]", subscriber.Channels[j], settings, errors);
            }

            var channelNames = new HashSet<string>(StringComparer.Ordinal);
            for (var j = 0; j < subscriber.Channels.Count; j++)
            {
                if (subscriber.Channels[j].Name is { } name && !channelNames.Add(name))
                {
                    Error($"{at}.channels[{j}].name", $"'{name}' names another channel of this subscriber too; give each channel its own name.");
                }
            }

            CheckRoutes(at, subscriber, errors);
        }

        if (config.Operator is { } ops)
        {
            ReportUnknown("operator", ops.Unknown, ["channels", "failuresBeforeAlert"], errors);
            if (ops.Channels.Count == 0)
            {
                Error("operator.channels", "empty: add the channel that tells you a feed keeps failing, e.g. { \"type\": \"email\", \"to\": \"ops@example.com\" }.");
            }

            for (var j = 0; j < ops.Channels.Count; j++)
            {
                needsEmail |= CheckChannel($"operator.channels[{j}]", ops.Channels[j], settings, errors);
            }

            if (ops.FailuresBeforeAlert < 1)
            {
                Error("operator.failuresBeforeAlert", "must be 1 or more: how many failures in a row of one feed before you are told.");
            }
        }

        CheckEmail(config.Email, needsEmail, settings, errors);
        return errors;
    }

    internal static Uri? ResolveUrl(string url, string baseDirectory)
    {
        if (Uri.TryCreate(url, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https" or "file")
        {
            return absolute;
        }

        if (url.Contains("://", StringComparison.Ordinal))
        {
            return null;
        }

        return new Uri(Path.GetFullPath(Path.Combine(baseDirectory, url)));
    }

    public static bool TryParseCron(string expression, out CronExpression? cron)
    {
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        var format = fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        return CronExpression.TryParse(expression, format, out cron);
    }

    private static void CheckRoutes(string at, SubscriberConfig subscriber, List<ConfigError> errors)
    {
        if (subscriber.Routes is not { } routes)
        {
            return;
        }

        if (routes.Count == 0)
        {
            errors.Add(new($"{at}.routes", "empty: with no routes nothing is sent; leave the field out to send every alert to every channel, or add a route such as { \"name\": \"all\", \"deliver\": \"now\" }."));
        }

        if (subscriber.Digest)
        {
            errors.Add(new($"{at}.digest", "with routes, each route says whether it delivers \"now\" or in the \"digest\"; remove \"digest\": true (digestSchedule still sets when the digest goes)."));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var j = 0; j < routes.Count; j++)
        {
            var route = routes[j];
            var here = $"{at}.routes[{j}]";
            ReportUnknown(here, route.Unknown, ["name", "watchLists", "minScore", "channels", "deliver", "throughQuietHours"], errors);
            if (string.IsNullOrWhiteSpace(route.Name))
            {
                errors.Add(new($"{here}.name", "missing: name the route (\"urgent\", \"the rest\"); each alert it chooses says so."));
            }
            else if (!names.Add(route.Name))
            {
                errors.Add(new($"{here}.name", $"'{route.Name}' names another route of this subscriber too; give each route its own name."));
            }

            for (var k = 0; k < (route.WatchLists?.Count ?? 0); k++)
            {
                if (!subscriber.WatchLists.Contains(route.WatchLists![k], StringComparer.OrdinalIgnoreCase))
                {
                    errors.Add(new($"{here}.watchLists[{k}]", $"'{route.WatchLists[k]}' is not a list this subscriber follows; use one of: {string.Join(", ", subscriber.WatchLists)}."));
                }
            }

            if (route.MinScore is < 1)
            {
                errors.Add(new($"{here}.minScore", $"{route.MinScore} is not a score: give 1 or more (a title hit adds 3, a summary hit 1, by default), or leave it out."));
            }

            for (var k = 0; k < (route.Channels?.Count ?? 0); k++)
            {
                var channel = route.Channels![k];
                if (!subscriber.Channels.Any(c => c.Name == channel || c.Type == channel))
                {
                    var known = subscriber.Channels.Select(c => c.Name ?? c.Type).Distinct(StringComparer.Ordinal);
                    errors.Add(new($"{here}.channels[{k}]", $"'{channel}' is neither the name nor the type of one of this subscriber's channels: {string.Join(", ", known)}."));
                }
            }

            if (route.Deliver is not (RouteConfig.Now or RouteConfig.DigestTiming))
            {
                errors.Add(new($"{here}.deliver", $"'{route.Deliver}' is not a timing; write \"now\" or \"digest\" (on the subscriber's digestSchedule)."));
            }
            else if (route.ThroughQuietHours && route.Deliver == RouteConfig.DigestTiming)
            {
                errors.Add(new($"{here}.throughQuietHours", "a digest keeps its own schedule; throughQuietHours is for routes that deliver \"now\"."));
            }
        }
    }

    private static bool CheckChannel(string at, ChannelConfig channel, IConfiguration settings, List<ConfigError> errors)
    {
        ReportUnknown(at, channel.Unknown, ["type", "name", "to", "urlSetting", "signingSecretSetting"], errors);
        switch (channel.Type)
        {
            case ChannelConfig.EmailType:
                if (string.IsNullOrWhiteSpace(channel.To) || !MailboxAddress.TryParse(channel.To, out _) || !channel.To.Contains('@', StringComparison.Ordinal))
                {
                    errors.Add(new($"{at}.to", $"'{channel.To}' is not an email address; write it as \"name@example.com\"."));
                }

                return true;
            case ChannelConfig.WebhookType or ChannelConfig.SlackType or ChannelConfig.TeamsType or ChannelConfig.DiscordType:
                if (channel.Type != ChannelConfig.WebhookType && channel.SigningSecretSetting is not null)
                {
                    errors.Add(new($"{at}.signingSecretSetting", $"{channel.Type} does not verify signatures; remove signingSecretSetting (it is for type \"webhook\")."));
                }

                if (string.IsNullOrWhiteSpace(channel.UrlSetting))
                {
                    errors.Add(new($"{at}.urlSetting", "missing: name the setting (environment variable or local.settings.json value) that holds the webhook URL."));
                }
                else if (settings[channel.UrlSetting] is not { Length: > 0 } url)
                {
                    if (!SecretsOptional(settings))
                    {
                        errors.Add(new($"{at}.urlSetting", $"the setting '{channel.UrlSetting}' is not set; set it (for example as the environment variable {EnvName(channel.UrlSetting)}) to the webhook URL."));
                    }
                }
                else if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                {
                    errors.Add(new($"{at}.urlSetting", $"the setting '{channel.UrlSetting}' does not hold an absolute http(s) URL."));
                }

                if (channel.SigningSecretSetting is { } secretSetting)
                {
                    if (settings[secretSetting] is not { Length: > 0 } secret)
                    {
                        if (!SecretsOptional(settings))
                        {
                            errors.Add(new($"{at}.signingSecretSetting", $"the setting '{secretSetting}' is not set; set it to a whsec_… secret, or remove signingSecretSetting."));
                        }
                    }
                    else if (!secret.StartsWith("whsec_", StringComparison.Ordinal))
                    {
                        errors.Add(new($"{at}.signingSecretSetting", $"the setting '{secretSetting}' must hold a secret of the form whsec_<base64>."));
                    }
                }

                return false;
            default:
                errors.Add(new($"{at}.type", $"'{channel.Type}' is not a channel type; use \"email\", \"webhook\", \"slack\", \"teams\" or \"discord\"."));
                return false;
        }
    }

    private static void CheckEmail(EmailConfig? email, bool needed, IConfiguration settings, List<ConfigError> errors)
    {
        if (email is null)
        {
            if (needed)
            {
                errors.Add(new("email", "missing: a subscriber has an email channel, so add \"email\": { \"from\": \"ChipAlerts <alerts@example.com>\" }."));
            }

            return;
        }

        ReportUnknown("email", email.Unknown, ["from", "smtp", "unsubscribeUrl", "unsubscribeMailbox", "unsubscribeKeySetting"], errors);
        if (!MailboxAddress.TryParse(email.From, out var from) || !from.Address.Contains('@', StringComparison.Ordinal))
        {
            errors.Add(new("email.from", $"'{email.From}' is not a sender address; write it as \"ChipAlerts <alerts@example.com>\"."));
        }

        if (email.UnsubscribeUrl is { } unsubscribe
            && (!Uri.TryCreate(unsubscribe, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps && !(url.Scheme == Uri.UriSchemeHttp && url.IsLoopback)))
        {
            errors.Add(new("email.unsubscribeUrl", $"'{unsubscribe}' is not an https URL; give the public address of the unsubscribe endpoint, e.g. \"https://chipalerts.example.com/api/unsubscribe\" (http only for localhost)."));
        }

        if (email.UnsubscribeMailbox is { } mailbox && (!MailboxAddress.TryParse(mailbox, out var box) || !box.Address.Contains('@', StringComparison.Ordinal) || box.Name is { Length: > 0 }))
        {
            errors.Add(new("email.unsubscribeMailbox", $"'{mailbox}' is not a bare address; give the mailbox that takes unsubscribe requests, e.g. \"unsubscribe@chipalerts.example.com\"."));
        }

        // Links and mailto: requests both carry a signed token: either needs the key.
        if ((email.UnsubscribeUrl is not null || email.UnsubscribeMailbox is not null)
            && settings[email.UnsubscribeKeySetting] is not { Length: >= 32 } && !(SecretsOptional(settings) && string.IsNullOrEmpty(settings[email.UnsubscribeKeySetting])))
        {
            errors.Add(new("email.unsubscribeKeySetting", $"the setting '{email.UnsubscribeKeySetting}' must hold a random key of at least 32 characters (for example the environment variable {EnvName(email.UnsubscribeKeySetting)}={Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)).ToLowerInvariant()}); it signs the unsubscribe links."));
        }

        if (email.Smtp is not { } smtp)
        {
            return;
        }

        ReportUnknown("email.smtp", smtp.Unknown, ["host", "port", "security", "userName", "passwordSetting", "certificateThumbprint"], errors);
        if (smtp.CertificateThumbprint is { } pin && Delivery.Email.EmailChannel.NormalizeThumbprint(pin) is null)
        {
            errors.Add(new("email.smtp.certificateThumbprint", "not a SHA-256 thumbprint: give the 64 hex digits of the relay certificate's SHA-256 (for example from `openssl x509 -noout -fingerprint -sha256`)."));
        }

        if (string.IsNullOrWhiteSpace(smtp.Host))
        {
            errors.Add(new("email.smtp.host", "missing: give the SMTP server's host name, or remove \"smtp\" to write emails to the outbox folder."));
        }

        if (smtp.Port is < 1 or > 65535)
        {
            errors.Add(new("email.smtp.port", $"{smtp.Port} is not a TCP port; use 587 (StartTls) or 465 (SslOnConnect)."));
        }

        if (smtp.Security is not ("StartTls" or "SslOnConnect" or "None"))
        {
            errors.Add(new("email.smtp.security", $"'{smtp.Security}' is not supported; use \"StartTls\", \"SslOnConnect\", or \"None\" for a relay on localhost."));
        }

        if (smtp.PasswordSetting is { } passwordSetting && string.IsNullOrEmpty(settings[passwordSetting]) && !SecretsOptional(settings))
        {
            errors.Add(new("email.smtp.passwordSetting", $"the setting '{passwordSetting}' is not set; set it (for example as the environment variable {EnvName(passwordSetting)}) to the SMTP password."));
        }
    }

    private static void CheckId(string at, string id, HashSet<string> seen, string what, Action<string, string> error)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            error($"{at}.id", $"missing: every {what} needs a stable id such as \"{what}-1\" (lower-case letters, digits, '-').");
        }
        else if (!IdPattern().IsMatch(id))
        {
            error($"{at}.id", $"'{id}' may hold only lower-case letters, digits and '-', e.g. \"{IdHint(id)}\".");
        }
        else if (!seen.Add(id))
        {
            error($"{at}.id", $"'{id}' is used by another {what}; ids must be unique.");
        }
    }

    // The query from the error on, so the message shows where: «"entity list».
    private static string Near(string query, int position) =>
        position >= query.Length ? "at the end" : $"at «{(query.Length - position > 24 ? string.Concat(query.AsSpan(position, 24), "…") : query[position..])}»";

    private static void ReportUnknown(string at, Dictionary<string, JsonElement>? unknown, string[] known, List<ConfigError> errors)
    {
        foreach (var name in unknown?.Keys ?? Enumerable.Empty<string>())
        {
            var path = at.Length == 0 ? name : $"{at}.{name}";
            var near = known.FirstOrDefault(k => string.Equals(k.TrimEnd('s'), name.TrimEnd('s'), StringComparison.OrdinalIgnoreCase));
            errors.Add(new(path, near is null
                ? $"unknown field; known fields here: {string.Join(", ", known)}."
                : $"unknown field; did you mean '{near}'?"));
        }
    }

    /// <summary>
    /// Set by a command that sends nothing (listing feeds, deliveries, opt-outs; previewing; editing the file):
    /// a secret that is not set is not an error then, one that is set must still be well-formed.
    /// </summary>
    public const string SecretsOptionalSetting = "ChipAlerts:SecretsOptional";

    private static bool SecretsOptional(IConfiguration settings) => string.Equals(settings[SecretsOptionalSetting], "true", StringComparison.OrdinalIgnoreCase);

    private static string EnvName(string setting) => setting.Replace(":", "__", StringComparison.Ordinal);

    private static string IdHint(string id) =>
        NotIdChars().Replace(id.ToLowerInvariant(), "-").Trim('-') is { Length: > 0 } hint ? hint : "my-id";

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NotIdChars();
}
