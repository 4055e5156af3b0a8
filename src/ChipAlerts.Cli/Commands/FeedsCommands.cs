using System.ComponentModel;
using System.Globalization;
using System.Text;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ChipAlerts.Cli.Commands;

/// <summary>`chipalerts feeds`: every feed's health as a table (status, last success, next poll, error), or --json.</summary>
public sealed class FeedsListCommand(CliConsoles consoles) : ConfiguredCommand(consoles)
{
    protected override bool SendsNothing => true;


    protected override async Task<int> RunAsync(IServiceProvider services, LoadedConfig config, CommonSettings settings, CancellationToken cancellationToken)
    {
        var report = await services.GetRequiredService<StatusReporter>().GetAsync(cancellationToken);
        if (!report.StoreReachable)
        {
            Errors.MarkupLineInterpolated($"[red]The store cannot be read:[/] {report.StoreError}");
            return ExitCodes.Failed;
        }

        if (settings.Json)
        {
            CliJson.Write(Console, report.Feeds);
            return ExitCodes.Ok;
        }

        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var table = new Table().Border(TableBorder.Rounded);
        // The push column only where a feed announces a WebSub hub.
        var pushed = report.Feeds.Any(f => f.Hub is not null);
        table.AddColumns(["feed", "status", "last success", "next poll", "items/day", .. pushed ? (string[])["push"] : [], "error"]);
        foreach (var feed in report.Feeds)
        {
            List<string> cells = [
                Markup.Escape(feed.FeedId),
                feed.Status switch
                {
                    StatusReporter.Ok => "[green]ok[/]",
                    StatusReporter.Failing => $"[red]failing ×{feed.ConsecutiveFailures}[/]",
                    StatusReporter.Gone => "[red]gone[/]",
                    StatusReporter.Stale => "[yellow]stale[/]",
                    _ => "[grey]never polled[/]",
                },
                Ago(feed.LastSuccessAt, now),
                feed.Status == StatusReporter.Gone ? "never (fix its url)" : feed.NextPollAt is { } next ? (next <= now ? "next cycle" : $"in {Span(next - now)}") : "next cycle",
                feed.ItemsPerDay?.ToString(feed.ItemsPerDay < 1 ? "0.##" : "0.#", CultureInfo.InvariantCulture) ?? "",
                string.Join("; ", new[] { feed.LastErrorCode is null ? null : $"{feed.LastErrorCode}: {feed.LastError}", feed.PushError is null ? null : $"hub: {feed.PushError}" }.OfType<string>().Select(Markup.Escape)),
            ];
            if (pushed)
            {
                cells.Insert(5, feed.Push switch
                {
                    null => "",
                    "active" => $"[green]active[/], lease {Span(feed.PushedUntil!.Value - now)}",
                    "failed" or "denied" => $"[yellow]{feed.Push}[/]",
                    _ => feed.Push,
                });
            }

            table.AddRow([.. cells]);
        }

        Console.Write(table);
        return ExitCodes.Ok;
    }

    private static string Ago(DateTimeOffset? at, DateTimeOffset now) => at is { } t ? $"{Span(now - t)} ago" : "never";

    private static string Span(TimeSpan span) =>
        span.TotalMinutes < 1 ? $"{Math.Max(0, span.TotalSeconds):0} s"
        : span.TotalHours < 1 ? $"{span.TotalMinutes:0} min"
        : span.TotalDays < 2 ? $"{span.TotalHours:0} h"
        : $"{span.TotalDays:0} days";
}

public sealed class FeedsExportSettings : CommonSettings
{
    [CommandOption("--output <FILE>")]
    [Description("Write the OPML to this file instead of standard output.")]
    public string? Output { get; init; }
}

/// <summary>`chipalerts feeds export [--output FILE]`: the configured feeds as OPML 2.0, for any feed reader.</summary>
public sealed class FeedsExportCommand(CliConsoles consoles) : ConfiguredCommand<FeedsExportSettings>(consoles)
{
    protected override bool SendsNothing => true;

    protected override Task<int> RunAsync(IServiceProvider services, LoadedConfig config, FeedsExportSettings settings, CancellationToken cancellationToken)
    {
        var opml = Opml.Write(
            "ChipAlerts feeds",
            config.Config.Feeds.Select(f => new OpmlFeed(f.DisplayName, config.ResolveFeedUrl(f).AbsoluteUri)),
            services.GetRequiredService<TimeProvider>().GetUtcNow());
        if (settings.Output is { } path)
        {
            File.WriteAllText(path, opml, new UTF8Encoding(false));
            Console.MarkupLineInterpolated($"Wrote {config.Config.Feeds.Count} feeds to {path}.");
        }
        else
        {
            Console.Profile.Out.Writer.WriteLine(opml);
        }

        return Task.FromResult(ExitCodes.Ok);
    }
}

public sealed class FeedsImportSettings : CommonSettings
{
    [CommandArgument(0, "<FILE>")]
    [Description("An OPML file, as feed readers export it.")]
    public string File { get; init; } = "";

    [CommandOption("--dry-run")]
    [Description("Show what would be added without changing the configuration.")]
    public bool DryRun { get; init; }
}

/// <summary>`chipalerts feeds import FILE.opml`: adds the OPML's feeds that are not configured yet to the configuration file.</summary>
public sealed class FeedsImportCommand(CliConsoles consoles) : ConfiguredCommand<FeedsImportSettings>(consoles)
{
    /// <summary>localhost, or an IP literal that is not a public internet address (host names are checked after DNS, when polled).</summary>
    private static bool IsPrivateLiteral(Uri url) =>
        url.IsLoopback || url.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || System.Net.IPAddress.TryParse(url.Host.Trim('[', ']'), out var address) && !NetworkGuard.IsPublic(address);

    protected override bool SendsNothing => true;

    /// <summary>Where the preview goes: stdout, or stderr when stdout is the --json result.</summary>
    private IAnsiConsole Show { get; set; } = consoles.Out;

    protected override Task<int> RunAsync(IServiceProvider services, LoadedConfig config, FeedsImportSettings settings, CancellationToken cancellationToken)
    {
        Show = settings.Json ? Errors : Console;
        if (!FeedIds.MayEdit(services, Errors, settings.DryRun))
        {
            return Task.FromResult(ExitCodes.Usage);
        }

        IReadOnlyList<OpmlFeed> listed;
        try
        {
            using var reader = new StreamReader(settings.File);
            listed = Opml.Read(reader);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            Errors.MarkupLineInterpolated($"[red]Cannot import {settings.File}:[/] {e.Message}");
            return Task.FromResult(ExitCodes.Failed);
        }

        var known = config.Config.Feeds.Select(f => config.ResolveFeedUrl(f).AbsoluteUri).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var ids = config.Config.Feeds.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        var fetch = services.GetRequiredService<IOptions<FetchOptions>>().Value;
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumns("feed", "url", "");
        var added = new List<FeedConfig>();
        foreach (var feed in listed)
        {
            string outcome;
            // An OPML file comes from elsewhere: its urls get the guard that polling gives, before anything is fetched.
            if (!Uri.TryCreate(feed.XmlUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https" or "file"))
            {
                outcome = "[red]skipped: not an http(s) url[/]";
            }
            else if (url.IsFile)
            {
                outcome = "[red]skipped: a file on this machine; an imported list may not point at local files (add it to the configuration by hand if you mean it)[/]";
            }
            else if (!fetch.AllowPrivateNetworks && !fetch.AllowedPrivateHosts.Contains(url.Host, StringComparer.OrdinalIgnoreCase) && IsPrivateLiteral(url))
            {
                outcome = "[red]skipped: a loopback or private-network address (ChipAlerts:Fetch:AllowPrivateNetworks)[/]";
            }
            else if (!known.Add(url.AbsoluteUri))
            {
                outcome = "[grey]already configured[/]";
            }
            else
            {
                var entry = new FeedConfig { Id = FeedIds.New(feed.Title, url, ids), Name = feed.Title, Url = url.AbsoluteUri };
                added.Add(entry);
                outcome = $"[green]added as {Markup.Escape(entry.Id)}[/]";
            }

            table.AddRow(Markup.Escape(feed.Title), Markup.Escape(feed.XmlUrl), outcome);
        }

        Show.Write(table);
        return Task.FromResult(FeedIds.Save(Console, Errors, services, added, settings.DryRun, $"{listed.Count} feeds in {settings.File}", settings.Json));
    }
}

public sealed class FeedsAddSettings : CommonSettings
{
    [CommandArgument(0, "<URL>")]
    [Description("A feed's url, or a web page that announces its feed with <link rel=\"alternate\">.")]
    public string Url { get; init; } = "";

    [CommandOption("--id <ID>")]
    [Description("The feed's id. Default: made from its title.")]
    public string? Id { get; init; }

    [CommandOption("--pick <N>")]
    [Description("When the page announces several feeds, which one to add (1 is the first).")]
    [DefaultValue(1)]
    public int Pick { get; init; } = 1;

    [CommandOption("--dry-run")]
    [Description("Show what was found without changing the configuration.")]
    public bool DryRun { get; init; }
}

/// <summary>
/// `chipalerts feeds add URL`: reads the url through the same bounded, guarded fetcher as polling. A feed is
/// shown and added; a web page is searched for the feeds it announces, which are listed, and the picked one
/// is read, shown and added.
/// </summary>
public sealed class FeedsAddCommand(CliConsoles consoles) : ConfiguredCommand<FeedsAddSettings>(consoles)
{
    protected override bool SendsNothing => true;

    /// <summary>Where the preview goes: stdout, or stderr when stdout is the --json result.</summary>
    private IAnsiConsole Show { get; set; } = consoles.Out;

    protected override async Task<int> RunAsync(IServiceProvider services, LoadedConfig config, FeedsAddSettings settings, CancellationToken cancellationToken)
    {
        Show = settings.Json ? Errors : Console;
        if (!FeedIds.MayEdit(services, Errors, settings.DryRun))
        {
            return ExitCodes.Usage;
        }

        if (!Uri.TryCreate(settings.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            Errors.MarkupLineInterpolated($"[red]'{settings.Url}' is not an http(s) url.[/]");
            return ExitCodes.Failed;
        }

        var fetcher = services.GetRequiredService<FeedFetcher>();
        try
        {
            var (feedUrl, parsed) = await ReadOrDiscoverAsync(fetcher, url, settings.Pick, cancellationToken);
            if (parsed is null)
            {
                return ExitCodes.Failed;
            }

            Show.MarkupLineInterpolated($"Feed [bold]{parsed.Title}[/] at {feedUrl}: {parsed.Items.Count} items.");
            foreach (var item in parsed.Items.Take(3))
            {
                Show.MarkupLineInterpolated($"  • {item.Title}");
            }

            if (config.Config.Feeds.Any(f => string.Equals(config.ResolveFeedUrl(f).AbsoluteUri, feedUrl.AbsoluteUri, StringComparison.OrdinalIgnoreCase)))
            {
                return FeedIds.Save(Console, Errors, services, [], settings.DryRun, $"{feedUrl}: it is already configured", settings.Json);
            }

            var ids = config.Config.Feeds.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
            var name = parsed.Title.Length > 0 ? parsed.Title : feedUrl.Host;
            var entry = new FeedConfig { Id = settings.Id ?? FeedIds.New(name, feedUrl, ids), Name = name, Url = feedUrl.AbsoluteUri };
            return FeedIds.Save(Console, Errors, services, [entry], settings.DryRun, feedUrl.AbsoluteUri, settings.Json);
        }
        catch (FeedException e)
        {
            Errors.MarkupLineInterpolated($"[red]Cannot read {url}:[/] {e.Code}: {e.Message}");
            return ExitCodes.Failed;
        }
    }

    private async Task<(Uri Url, ParsedFeed? Feed)> ReadOrDiscoverAsync(FeedFetcher fetcher, Uri url, int pick, CancellationToken cancellationToken)
    {
        var fetched = await fetcher.FetchAsync(url, null, null, cancellationToken);
        try
        {
            return (url, FeedParser.ParseFeed("new", fetched.Body, fetched.Charset, fetched.Location ?? url));
        }
        catch (FeedException notAFeed)
        {
            var found = FeedDiscovery.Find(FeedDecoder.Decode(fetched.Body, fetched.Charset), fetched.Location ?? url);
            if (found.Count == 0)
            {
                Errors.MarkupLineInterpolated($"[red]No feed at {url}:[/] it is not a feed ({notAFeed.Code}) and names none in <link rel=\"alternate\">.");
                return (url, null);
            }

            Show.MarkupLineInterpolated($"{url} is a web page; it announces {found.Count} feed(s):");
            for (var i = 0; i < found.Count; i++)
            {
                Show.MarkupLineInterpolated($"  {i + 1}. {found[i].Title ?? "(untitled)"} ({found[i].Type}) {found[i].Url}");
            }

            if (pick < 1 || pick > found.Count)
            {
                Errors.MarkupLineInterpolated($"[red]--pick {pick} is not one of them;[/] give a number from 1 to {found.Count}.");
                return (url, null);
            }

            var chosen = found[pick - 1].Url;
            var feed = await fetcher.FetchAsync(chosen, null, null, cancellationToken);
            return (chosen, FeedParser.ParseFeed("new", feed.Body, feed.Charset, feed.Location ?? chosen));
        }
    }
}

/// <summary>Ids for new feeds, and writing them into the configuration file.</summary>
internal static class FeedIds
{
    /// <summary>"Semiconductor Wire" → "semiconductor-wire"; the host when the title has no latin letters; "-2", "-3"… when taken.</summary>
    public static string New(string title, Uri url, HashSet<string> taken)
    {
        var slug = Slug(title);
        if (slug.Length == 0)
        {
            slug = Slug(url.Host.StartsWith("www.", StringComparison.OrdinalIgnoreCase) ? url.Host[4..] : url.Host);
        }

        slug = slug.Length > 40 ? slug[..40].TrimEnd('-') : slug;
        var id = slug;
        for (var n = 2; !taken.Add(id); n++)
        {
            id = $"{slug}-{n}";
        }

        return id;
    }

    private static string Slug(string text)
    {
        var slug = new StringBuilder();
        foreach (var c in text.Normalize(NormalizationForm.FormKD).ToLowerInvariant())
        {
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9'))
            {
                slug.Append(c);
            }
            else if (slug.Length > 0 && slug[^1] != '-' && CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
            {
                slug.Append('-');
            }
        }

        return slug.ToString().Trim('-');
    }

    /// <summary>
    /// Whether the command may edit the configuration: only a file the user named (--config, the setting, or
    /// the folder `init` made), never the bundled sample by default, which is git-tracked and ships with the
    /// Functions app. Says what to do when not.
    /// </summary>
    public static bool MayEdit(IServiceProvider services, IAnsiConsole errors, bool dryRun)
    {
        if (dryRun || services.GetRequiredService<IConfiguration>()[$"{ChipAlertsOptions.Section}:{nameof(ChipAlertsOptions.ConfigPath)}"] is not null)
        {
            return true;
        }

        errors.MarkupLine("[red]Which configuration?[/] Give --config FILE (or the setting ChipAlerts:ConfigPath), or run [bold]chipalerts init FOLDER[/] and work in that folder; the bundled sample is not edited.");
        return false;
    }

    /// <summary>Adds the feeds to the configuration file (or, on a dry run, says it would); with <paramref name="json"/> the outcome is one JSON object on stdout.</summary>
    public static int Save(IAnsiConsole console, IAnsiConsole errors, IServiceProvider services, IReadOnlyList<FeedConfig> feeds, bool dryRun, string source, bool json)
    {
        var path = services.GetRequiredService<IOptions<ChipAlertsOptions>>().Value.ConfigPath;
        var defaultBackfill = services.GetRequiredService<IOptions<FetchOptions>>().Value.Backfill;
        var firstPoll = string.Join("; ", feeds.Select(f => f.Backfill ?? defaultBackfill).Distinct(StringComparer.Ordinal)
            .Select(b => Backfill.TryParse(b, out var window) ? Backfill.Describe(window) : b));
        int Done(int code, string text, bool added)
        {
            if (json)
            {
                CliJson.Write(console, new { Configuration = path, DryRun = dryRun, Added = added ? feeds : [], WouldAdd = dryRun ? feeds : [], FirstPoll = feeds.Count > 0 ? firstPoll : null });
            }
            else
            {
                console.WriteLine(feeds.Count > 0 ? $"{text} For each, {firstPoll}." : text);
            }

            return code;
        }

        if (feeds.Count == 0)
        {
            return Done(ExitCodes.Ok, $"Nothing to add from {source}.", added: false);
        }

        if (dryRun)
        {
            return Done(ExitCodes.Ok, $"Dry run: {feeds.Count} feed(s) would be added to {path}.", added: false);
        }

        try
        {
            ConfigFileEditor.AddFeeds(path, feeds, services.GetRequiredService<IConfiguration>());
        }
        catch (ConfigurationException e)
        {
            errors.MarkupLineInterpolated($"[red]Not added: the configuration would not load:[/]");
            foreach (var error in e.Errors)
            {
                errors.MarkupLineInterpolated($"  [yellow]{error.Path}[/]: {error.Message}");
            }

            return ExitCodes.Failed;
        }

        return Done(ExitCodes.Ok, $"Added {string.Join(", ", feeds.Select(f => f.Id))} to {path}.", added: true);
    }
}
