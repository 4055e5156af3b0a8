using System.Text.Json;
using ChipAlerts.Azure;
using ChipAlerts.Cli.Commands;
using ChipAlerts.Core;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Observability;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Spectre.Console;

namespace ChipAlerts.Cli;

/// <summary>
/// Builds the services for one command: settings from environment variables and user secrets, the
/// command-line paths on top, logs on stderr so stdout stays clean for tables and --json.
/// </summary>
internal static class CliHost
{
    /// <param name="settings">The command line's paths and store.</param>
    /// <param name="sendsNothing">The command only reads or edits: secrets it would not use need not be set.</param>
    /// <param name="observed">The command polls or sends: start the metrics and traces, when an exporter is set (Prometheus, OTLP).</param>
    public static IHost Build(CommonSettings settings, bool sendsNothing = false, bool observed = true)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = Directory.GetCurrentDirectory(),
            // Nothing here reloads appsettings.json; watching it for changes cost 0.2 s of every start (inotify).
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        // local.settings.json is the Functions host's settings file; its Values feed the CLI as well, below
        // the environment variables, so one file configures both hosts.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = LocalSettings(Path.Combine(builder.Environment.ContentRootPath, "local.settings.json")) });

        var overrides = new Dictionary<string, string?>();
        if (settings.Config is not null)
        {
            overrides[$"{ChipAlertsOptions.Section}:{nameof(ChipAlertsOptions.ConfigPath)}"] = settings.Config;
        }

        if (settings.Data is not null)
        {
            overrides[$"{ChipAlertsOptions.Section}:{nameof(ChipAlertsOptions.DataPath)}"] = settings.Data;
        }

        if (settings.Outbox is not null)
        {
            overrides[$"{ChipAlertsOptions.Section}:{nameof(ChipAlertsOptions.OutboxPath)}"] = settings.Outbox;
        }

        if (sendsNothing)
        {
            overrides[ConfigLoader.SecretsOptionalSetting] = "true";
        }

        builder.Configuration.AddInMemoryCollection(overrides);
        builder.Logging.ClearProviders();
        // Logs on stderr: text by default, JSON lines (one object per event, with its id and properties) by setting.
        if (string.Equals(builder.Configuration[LogFormatSetting], "json", StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
                o.JsonWriterOptions = new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }

        builder.Logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Metrics and traces only where they go somewhere: with no exporter set, the pipelines would cost start-up
        // for nothing, and every activity would be made for nobody.
        if (observed
            && builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() is { } telemetry
            && (telemetry.PrometheusPort is not null || telemetry.OtlpEndpoint is not null))
        {
            builder.Services.AddChipAlertsTelemetry(builder.Configuration, metrics =>
            {
                if (telemetry.PrometheusPort is { } port)
                {
                    metrics.AddPrometheusHttpListener(o =>
                    {
                        o.Host = "127.0.0.1";
                        o.Port = port;
                        o.ScrapeResponseCacheDurationMilliseconds = 0; // a scrape sees the cycle that just ended
                    });
                }
            });
        }

        // The connection string holds the account key: it is a secret, read here and never printed.
        if ((settings.Storage ?? builder.Configuration["ChipAlerts:Storage"]) is { Length: > 0 } storage)
        {
            builder.Services.AddChipAlertsAzureStorage(storage);
        }

        builder.Services.AddChipAlerts(builder.Configuration);
        var host = builder.Build();
        // The host is not started (a command runs and ends), so start the telemetry pipelines here.
        host.Services.GetService<MeterProvider>();
        host.Services.GetService<TracerProvider>();
        return host;
    }

    /// <summary>"text" (the default) or "json": the format of the logs on stderr.</summary>
    public const string LogFormatSetting = "ChipAlerts:LogFormat";

    private static Dictionary<string, string?> LocalSettings(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return document.RootElement.TryGetProperty("Values", out var values)
            ? values.EnumerateObject().ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.ToString())
            : [];
    }

    /// <summary>
    /// Resolves the configuration up front so that a bad file or setting stops the command with every
    /// problem named, before anything is fetched or sent. Returns null after printing the errors.
    /// </summary>
    public static LoadedConfig? LoadConfiguration(IHost host, IAnsiConsole console)
    {
        try
        {
            host.Services.GetRequiredService<IStartupValidator>().Validate();
            return host.Services.GetRequiredService<LoadedConfig>();
        }
        catch (ConfigurationException e)
        {
            console.MarkupLineInterpolated($"[red]Configuration error[/] in {e.ConfigSource}:");
            foreach (var error in e.Errors)
            {
                console.MarkupLineInterpolated($"  [yellow]{error.Path}[/]: {error.Message}");
            }

            return null;
        }
        catch (OptionsValidationException e)
        {
            console.MarkupLineInterpolated($"[red]Settings error[/] in {e.OptionsType.Name}:");
            foreach (var failure in e.Failures)
            {
                console.MarkupLineInterpolated($"  {failure}");
            }

            return null;
        }
        catch (InvalidOperationException e) when (e.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
        {
            // A setting that is not of its type, such as ChipAlerts__Fetch__Timeout=abc: the message names the key and the type.
            console.MarkupLineInterpolated($"[red]Settings error[/]: {e.Message} {e.InnerException?.Message}");
            return null;
        }
    }
}
