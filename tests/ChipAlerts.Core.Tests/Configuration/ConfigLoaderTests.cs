using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace ChipAlerts.Core.Tests.Configuration;

public sealed class ConfigLoaderTests : IDisposable
{
    private readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    private IReadOnlyList<string> Errors(string json, IConfiguration? settings = null)
    {
        var path = dir.File("chipalerts.json");
        File.WriteAllText(path, json);
        File.WriteAllText(dir.File("feed.xml"), "<rss/>");
        var error = Assert.Throws<ConfigurationException>(() => ConfigLoader.Load(path, settings ?? Settings()));
        return [.. error.Errors.Select(e => e.ToString())];
    }

    [Fact]
    public void Load_Samples_IsValid()
    {
        var loaded = ConfigLoader.Load(Path.Combine(TestPaths.Samples, "chipalerts.json"), Settings());

        Assert.Equal(3, loaded.Config.Feeds.Count);
        Assert.Equal(["Rapidus", "Micron", "Export controls", "AI", "Quantum"], loaded.Config.WatchLists.Select(l => l.Name));
        Assert.Equal(2, loaded.Config.Subscribers.Count);
        Assert.True(loaded.ResolveFeedUrl(loaded.Config.Feeds[0]).IsFile);
    }

    [Fact]
    public void Load_WhatTheFileLeavesOut_TakesItsDefault()
    {
        var path = dir.File("chipalerts.json");
        File.WriteAllText(dir.File("feed.xml"), "<rss/>");
        File.WriteAllText(path, """
            {
              // comments and trailing commas, as people write it
              "feeds": [{ "id": "wire", "url": "feed.xml" }],
              "watchLists": [{ "name": "Rapidus", "query": "Rapidus" }],
              "subscribers": [{ "id": "desk", "watchLists": ["Rapidus"], "channels": [{ "type": "email", "to": "desk@example.com" }] }],
              "email": { "from": "alerts@example.com", "smtp": { "host": "smtp.example.com", "userName": "alerts", "passwordSetting": "Smtp:Password" } },
            }
            """);

        var config = ConfigLoader.Load(path, Settings(("Smtp:Password", "p"))).Config;

        Assert.Equal("0 */15 * * * *", config.PollSchedule);
        Assert.Equal(587, config.Email!.Smtp!.Port);
        Assert.Equal("StartTls", config.Email.Smtp.Security);
        Assert.Equal("ChipAlerts:UnsubscribeKey", config.Email.UnsubscribeKeySetting);
        Assert.Equal(1, config.WatchLists[0].MinScore);
        Assert.Equal((3, 1), (config.WatchLists[0].Weights.Title, config.WatchLists[0].Weights.Summary));
    }

    [Fact]
    public void Load_MissingFile_SaysWhereItLooked()
    {
        var error = Assert.Throws<ConfigurationException>(() => ConfigLoader.Load(dir.File("nope.json"), Settings()));

        Assert.StartsWith("$: file not found at '", error.Errors.Single().ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EveryProblem_IsReportedWithPathAndFix()
    {
        var errors = Errors("""
            {
              "pollSchedule": "every 5 minutes",
              "watchlist": [],
              "feeds": [ { "id": "Wire Feed", "url": "" }, { "id": "b", "url": "missing.xml", "intervall": "00:05:00" } ],
              "watchLists": [ { "name": "AI", "query": "=AI OR \"generative AI" }, { "name": "ai", "terms": [ "AI" ], "minScore": 0 } ],
              "subscribers": [ { "id": "desk", "watchLists": [ "AI", "Quantm" ], "channels": [ { "type": "pager" }, { "type": "email", "to": "not an address" } ] } ]
            }
            """);

        Assert.Equal(
        [
            "watchlist: unknown field; did you mean 'watchLists'?",
            "pollSchedule: 'every 5 minutes' is not an NCRONTAB expression; use six fields with seconds first, e.g. \"0 */15 * * * *\" for every 15 minutes.",
            "feeds[0].id: 'Wire Feed' may hold only lower-case letters, digits and '-', e.g. \"wire-feed\".",
            "feeds[0].url: missing: give an http(s) URL or a path to a local feed file.",
            "feeds[1].intervall: unknown field; known fields here: id, name, url, interval, fingerprintWindow, backfill.",
            $"feeds[1].url: the file '{dir.File("missing.xml")}' does not exist; paths are relative to the configuration file.",
            "watchLists[0].query: watch-list 'AI', character 8 (at «\"generative AI»): unbalanced quote: the phrase that starts here is never closed; add a closing \".",
            "watchLists[1].name: 'ai' is used by another watch-list; names must be unique (ignoring case).",
            "watchLists[1].terms: replaced by query: write the terms as one query, e.g. \"query\": \"Rapidus OR ラピダス -rumour\" (see the README's query syntax).",
            "watchLists[1].query: watch-list 'ai', character 1 (at the end): empty: write at least one word, e.g. \"Rapidus OR ラピダス\".",
            "watchLists[1].minScore: must be 1 or more: the score an item needs, each term found adding its field's weight.",
            "subscribers[0].watchLists[1]: no watch-list is named 'Quantm'; known lists: AI, ai.",
            "subscribers[0].channels[0].type: 'pager' is not a channel type; use \"email\", \"webhook\", \"slack\", \"teams\" or \"discord\".",
            "subscribers[0].channels[1].to: 'not an address' is not an email address; write it as \"name@example.com\".",
            "email: missing: a subscriber has an email channel, so add \"email\": { \"from\": \"ChipAlerts <alerts@example.com>\" }.",
        ], errors);
    }

    [Fact]
    public void Load_BadOperatorSection_IsNamed()
    {
        var errors = Errors("""
            {
              "feeds": [ { "id": "a", "url": "https://a.example.com/rss", "fingerprintWindow": "-1.00:00:00" } ],
              "watchLists": [ { "name": "AI", "query": "=AI" } ],
              "subscribers": [],
              "operator": { "channels": [ { "type": "email", "to": "ops" } ], "failuresBeforeAlert": 0, "pager": true }
            }
            """);

        Assert.Equal(
        [
            "feeds[0].fingerprintWindow: must be zero or positive, e.g. \"7.00:00:00\"; zero turns fingerprints off for this feed.",
            "operator.pager: unknown field; known fields here: channels, failuresBeforeAlert.",
            "operator.channels[0].to: 'ops' is not an email address; write it as \"name@example.com\".",
            "operator.failuresBeforeAlert: must be 1 or more: how many failures in a row of one feed before you are told.",
            "email: missing: a subscriber has an email channel, so add \"email\": { \"from\": \"ChipAlerts <alerts@example.com>\" }.",
        ], errors);
    }

    [Fact]
    public void Load_BadWeights_AreNamed()
    {
        var errors = Errors("""
            {
              "feeds": [ { "id": "a", "url": "feed.xml" } ],
              "watchLists": [ { "name": "A", "query": "a", "weights": null }, { "name": "B", "query": "b", "weights": { "title": -1, "body": 2 } } ]
            }
            """);

        Assert.Equal(
        [
            "watchLists[0].weights: give weights of 0 or more, e.g. { \"title\": 3, \"summary\": 1 }, or leave the field out.",
            "watchLists[1].weights.body: unknown field; known fields here: title, summary.",
            "watchLists[1].weights: give weights of 0 or more, e.g. { \"title\": 3, \"summary\": 1 }, or leave the field out.",
        ], errors);
    }

    [Fact]
    public void Load_WrongType_NamesPathAndLine()
    {
        var errors = Errors("""
            {
              "feeds": [ { "id": "a", "url": "feed.xml", "interval": 15 } ]
            }
            """);

        var error = Assert.Single(errors);
        Assert.StartsWith("feeds[0].interval: cannot be read (line 2): The JSON value could not be converted to", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WebhookSettings_MustExistAndBeWellFormed()
    {
        var json = """
            {
              "feeds": [ { "id": "a", "url": "feed.xml" } ],
              "watchLists": [ { "name": "AI", "query": "=AI" } ],
              "subscribers": [ { "id": "team", "watchLists": [ "AI" ], "channels": [
                { "type": "webhook", "urlSetting": "Hooks:Team", "signingSecretSetting": "Hooks:TeamSecret" },
                { "type": "webhook", "urlSetting": "Hooks:Other" } ] } ]
            }
            """;

        var errors = Errors(json, Settings(("Hooks:TeamSecret", "plain"), ("Hooks:Other", "ftp://x")));

        Assert.Equal(
        [
            "subscribers[0].channels[0].urlSetting: the setting 'Hooks:Team' is not set; set it (for example as the environment variable Hooks__Team) to the webhook URL.",
            "subscribers[0].channels[0].signingSecretSetting: the setting 'Hooks:TeamSecret' must hold a secret of the form whsec_<base64>.",
            "subscribers[0].channels[1].urlSetting: the setting 'Hooks:Other' does not hold an absolute http(s) URL.",
        ], errors);
    }

    [Fact]
    public void Load_ScheduleProblems_AreNamed()
    {
        var errors = Errors("""
            {
              "feeds": [ { "id": "a", "url": "feed.xml" } ],
              "watchLists": [ { "name": "Rapidus", "query": "Rapidus" } ],
              "subscribers": [ {
                "id": "s", "watchLists": [ "Rapidus" ], "channels": [ { "type": "email", "to": "s@example.com" } ],
                "digestSchedule": "at eight", "timeZone": "Mars/Olympus", "quietHours": { "from": "25:00", "to": "7am" }
              } ],
              "email": { "from": "ChipAlerts <alerts@example.com>" }
            }
            """);

        Assert.Equal(
        [
            "subscribers[0].digestSchedule: 'at eight' is not a cron expression; write minute hour day month weekday, e.g. \"0 8 * * 1-5\" for weekdays at 08:00 in the subscriber's timeZone.",
            "subscribers[0].timeZone: 'Mars/Olympus' is not a time zone; use an IANA name such as \"Asia/Tokyo\", \"Europe/Berlin\" or \"America/New_York\".",
            "subscribers[0].quietHours.from: '25:00' is not a time of day; write it as \"HH:mm\", e.g. { \"from\": \"22:00\", \"to\": \"07:00\" }.",
            "subscribers[0].quietHours.to: '7am' is not a time of day; write it as \"HH:mm\", e.g. { \"from\": \"22:00\", \"to\": \"07:00\" }.",
        ], errors);
    }

    [Fact]
    public void Load_UnsubscribeProblems_AreNamed()
    {
        var errors = Errors("""
            {
              "feeds": [ { "id": "a", "url": "feed.xml" } ],
              "email": { "from": "ChipAlerts <alerts@example.com>", "unsubscribeUrl": "http://alerts.example.com/api/unsubscribe" }
            }
            """, Settings(("ChipAlerts:UnsubscribeKey", "short")));

        Assert.Equal(2, errors.Count);
        Assert.Equal("email.unsubscribeUrl: 'http://alerts.example.com/api/unsubscribe' is not an https URL; give the public address of the unsubscribe endpoint, e.g. \"https://chipalerts.example.com/api/unsubscribe\" (http only for localhost).", errors[0]);
        Assert.Matches(@"^email\.unsubscribeKeySetting: the setting 'ChipAlerts:UnsubscribeKey' must hold a random key of at least 32 characters \(for example the environment variable ChipAlerts__UnsubscribeKey=[0-9a-f]{48}\); it signs the unsubscribe links\.$", errors[1]);
    }

    [Fact]
    public void Load_SmtpProblems_AreNamed()
    {
        var errors = Errors("""
            {
              "feeds": [ { "id": "a", "url": "feed.xml" } ],
              "email": { "from": "alerts", "smtp": { "host": "", "port": 0, "security": "Auto", "passwordSetting": "Smtp:Password", "certificateThumbprint": "AB:CD" } }
            }
            """);

        Assert.Equal(
        [
            "email.from: 'alerts' is not a sender address; write it as \"ChipAlerts <alerts@example.com>\".",
            "email.smtp.host: missing: give the SMTP server's host name, or remove \"smtp\" to write emails to the outbox folder.",
            "email.smtp.port: 0 is not a TCP port; use 587 (StartTls) or 465 (SslOnConnect).",
            "email.smtp.security: 'Auto' is not supported; use \"StartTls\", \"SslOnConnect\", or \"None\" for a relay on localhost.",
            "email.smtp.passwordSetting: the setting 'Smtp:Password' is not set; set it (for example as the environment variable Smtp__Password) to the SMTP password.",
        ], errors.Where(e => !e.StartsWith("email.smtp.certificateThumbprint", StringComparison.Ordinal)));
        Assert.Contains("email.smtp.certificateThumbprint: not a SHA-256 thumbprint: give the 64 hex digits of the relay certificate's SHA-256 (for example from `openssl x509 -noout -fingerprint -sha256`).", errors);
    }

    [Fact]
    public void Secret_ToString_IsRedacted()
    {
        Assert.Equal("***", new Secret("hunter2").ToString());
        Assert.Equal("password ***", $"password {new Secret("hunter2")}");
    }
}
