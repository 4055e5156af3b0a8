using System.Text.Json;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.Pipeline;
using ChipAlerts.Core.State;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChipAlerts.Core.Tests.Support;

/// <summary>
/// The real composition root (AddChipAlerts) over a configuration written to a temp folder and a real
/// SQLite file. Creating a second host on the same folder is what a restarted process sees.
/// </summary>
public sealed class PipelineHost : IDisposable
{
    private readonly ServiceProvider provider;

    private PipelineHost(ServiceProvider provider, ListLogger logs)
    {
        this.provider = provider;
        Logs = logs;
    }

    public ListLogger Logs { get; }

    public AlertPipeline Pipeline => provider.GetRequiredService<AlertPipeline>();
    public AlertOutbox Outbox => provider.GetRequiredService<AlertOutbox>();
    public SqliteStore Store => provider.GetRequiredService<SqliteStore>();
    public T Get<T>() where T : notnull => provider.GetRequiredService<T>();

    /// <summary>Small, fast bounds so hostile-feed tests finish quickly.</summary>
    public static readonly Dictionary<string, string?> FastSettings = new()
    {
        // Generous: a loaded 2-core CI machine must not time out a local fetch. The deadline tests set their own.
        ["ChipAlerts:Fetch:Timeout"] = "00:00:10",
        ["ChipAlerts:Fetch:AllowPrivateNetworks"] = "true", // the test servers are on 127.0.0.1
        ["ChipAlerts:Fetch:MaxBytes"] = "1048576",
        ["ChipAlerts:Fetch:Jitter"] = "0", // exact poll times; FeedPlannerTests covers jitter
        ["ChipAlerts:Delivery:WebhookTimeout"] = "00:00:02",
        ["ChipAlerts:Delivery:QuickRetryDelay"] = "00:00:00.001", // quick retries still happen, without the wait
        ["ChipAlerts:Delivery:RetryJitter"] = "0", // exact retry times; RetryDelay_Jitter covers jitter
        ["ChipAlerts:Fetch:Backfill"] = "all", // test feeds are mostly undated or old; BacklogRuleTests cover the rule
    };

    // services: registrations before AddChipAlerts, such as another store (Azure Storage).
    public static PipelineHost Create(TempDir dir, ChipAlertsConfig config, IDictionary<string, string?>? settings = null, TimeProvider? time = null, Action<IServiceCollection>? services = null)
    {
        var configPath = dir.File("chipalerts.json");
        File.WriteAllText(configPath, JsonSerializer.Serialize(config, ConfigLoader.JsonOptions));

        var values = new Dictionary<string, string?>(FastSettings)
        {
            ["ChipAlerts:ConfigPath"] = configPath,
            ["ChipAlerts:DataPath"] = dir.File("chipalerts.db"),
            ["ChipAlerts:OutboxPath"] = dir.File("outbox"),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var logs = new ListLogger();
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        if (time is not null)
        {
            collection.AddSingleton(time);
        }

        services?.Invoke(collection);
        collection.AddChipAlerts(configuration);
        var provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        return new PipelineHost(provider, logs);
    }

    public void Dispose() => provider.Dispose();
}

/// <summary>Keeps every formatted log line, so tests can assert that no secret reached a log.</summary>
public sealed class ListLogger : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> lines = new();

    public IReadOnlyCollection<string> Lines => lines;

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(ListLogger owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.lines.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");
    }
}
