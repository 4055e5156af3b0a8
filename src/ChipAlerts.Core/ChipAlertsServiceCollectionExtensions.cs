using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Delivery;
using ChipAlerts.Core.Delivery.Chat;
using ChipAlerts.Core.Delivery.Email;
using ChipAlerts.Core.Delivery.Webhooks;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Ledger;
using ChipAlerts.Core.Matching;
using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.Pipeline;
using ChipAlerts.Core.Routing;
using ChipAlerts.Core.State;
using ChipAlerts.Core.Stories;
using ChipAlerts.Core.WebSub;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChipAlerts.Core;

public static class ChipAlertsServiceCollectionExtensions
{
    /// <summary>
    /// The one composition root, shared by both hosts. Reads and validates chipalerts.json (a
    /// <see cref="ConfigurationException"/> names every problem), binds the option sections, and
    /// registers the pipeline over the SQLite store.
    /// </summary>
    public static IServiceCollection AddChipAlerts(this IServiceCollection services, IConfiguration settings)
    {
        services.AddOptions<ChipAlertsOptions>().Bind(settings.GetSection(ChipAlertsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<FetchOptions>().Bind(settings.GetSection(FetchOptions.Section)).ValidateDataAnnotations()
            .Validate(o => Backfill.TryParse(o.Backfill, out _), $"{FetchOptions.Section}:{nameof(FetchOptions.Backfill)} must be \"all\" or a duration such as \"1.00:00:00\" (a day).")
            .ValidateOnStart();
        services.AddOptions<DeliveryOptions>().Bind(settings.GetSection(DeliveryOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StoryOptions>().Bind(settings.GetSection(StoryOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WebSubOptions>().Bind(settings.GetSection(WebSubOptions.Section)).ValidateDataAnnotations()
            .Validate(o => !o.Enabled || (Uri.TryCreate(o.CallbackUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.Query.Length == 0),
                $"{WebSubOptions.Section}:{nameof(WebSubOptions.CallbackUrl)} must be an absolute http(s) URL without a query, such as https://alerts.example.com/websub (the public address of the listener or the Functions app's /api/websub).")
            .ValidateOnStart();

        services.TryAddSingleton(settings);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(RandomSource.System);
        services.AddSingleton(sp => ConfigLoader.Load(sp.GetRequiredService<IOptions<ChipAlertsOptions>>().Value.ConfigPath, settings));
        services.AddSingleton(sp => new WatchListMatcher(sp.GetRequiredService<LoadedConfig>().Config.WatchLists));
        services.AddSingleton(sp => new AlertRouter(sp.GetRequiredService<LoadedConfig>().Config.Subscribers));
        services.AddSingleton<FeedPlanner>();
        services.AddSingleton<OperatorAlerts>();
        services.AddSingleton<FeedFetcher>();
        services.AddSingleton<StoryIndex>();
        services.AddSingleton<AlertPipeline>();
        services.AddSingleton<DeliveryResilience>();
        services.AddSingleton<Unsubscribes>();
        services.AddMetrics();
        services.AddSingleton<Observability.ChipAlertsMetrics>();
        services.AddSingleton<AlertSender>();
        services.AddSingleton<AlertOutbox>();
        services.AddSingleton<PollSchedule>();
        services.AddSingleton<StatusReporter>();
        services.AddSingleton<WebSubSubscriber>();
        services.AddSingleton<WebSubCallback>();

        // No request logging for feeds either: a feed URL may carry a token in its query, and the handlers' scopes cost
        // a tenth of a 304 cycle's CPU. Failures are logged by the pipeline, without the query.
        services.AddHttpClient(FeedFetcher.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => FeedFetcher.CreateHandler(sp.GetRequiredService<IOptions<FetchOptions>>().Value))
            .RemoveAllLoggers();
        // No HttpClient logging here: it writes each request's URL, and chat webhook URLs carry their secret in
        // the path (hooks.slack.com/services/T…/B…/secret), which the built-in query redaction does not cover.
        services.AddHttpClient(WebhookPoster.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
            .RemoveAllLoggers();

        services.AddSingleton<IAlertChannel, EmailChannel>();
        services.AddSingleton<WebhookPoster>();
        services.AddSingleton<IAlertChannel, WebhookChannel>();
        foreach (IChatFormat format in (IChatFormat[])[new SlackFormat(), new TeamsFormat(), new DiscordFormat()])
        {
            services.AddSingleton<IAlertChannel>(sp => new ChatChannel(format, sp.GetRequiredService<WebhookPoster>()));
        }

        services.TryAddSingleton(sp => new SqliteStore(sp.GetRequiredService<IOptions<ChipAlertsOptions>>().Value.DataPath));
        services.TryAddSingleton<IFeedStateStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.TryAddSingleton<IItemLedger>(sp => sp.GetRequiredService<SqliteStore>());
        services.TryAddSingleton<IOutboxStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.TryAddSingleton<IOptOutStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.TryAddSingleton<IStoryStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.TryAddSingleton<IPushSubscriptionStore>(sp => sp.GetRequiredService<SqliteStore>());
        return services;
    }
}
