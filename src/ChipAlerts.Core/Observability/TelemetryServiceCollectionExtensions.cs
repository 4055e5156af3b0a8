using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ChipAlerts.Core.Observability;

/// <summary>Section "ChipAlerts:Telemetry": where metrics and traces go. Nothing is exported unless one is set.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "ChipAlerts:Telemetry";

    /// <summary>An OTLP collector (e.g. http://localhost:4317): metrics and traces are sent there.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>The local runner serves Prometheus metrics at http://127.0.0.1:PORT/metrics.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 65535)]
    public int? PrometheusPort { get; set; }
}

public static class TelemetryServiceCollectionExtensions
{
    /// <summary>
    /// OpenTelemetry for ChipAlerts' meter and activity source, with the OTLP exporter when
    /// ChipAlerts:Telemetry:OtlpEndpoint is set; a host adds its own exporters through <paramref name="metrics"/> and <paramref name="traces"/>
    /// (the runner's Prometheus endpoint, the Functions app's Azure Monitor).
    /// </summary>
    public static IOpenTelemetryBuilder AddChipAlertsTelemetry(this IServiceCollection services, IConfiguration settings, Action<MeterProviderBuilder>? metrics = null, Action<TracerProviderBuilder>? traces = null)
    {
        var options = settings.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        return services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("chipalerts", serviceVersion: typeof(ChipAlertsMetrics).Assembly.GetName().Version?.ToString(3)))
            .WithMetrics(builder =>
            {
                builder.AddMeter(ChipAlertsMetrics.MeterName);
                if (options.OtlpEndpoint is { } endpoint)
                {
                    builder.AddOtlpExporter(o => o.Endpoint = endpoint);
                }

                metrics?.Invoke(builder);
            })
            .WithTracing(builder =>
            {
                builder.AddSource(ChipAlertsMetrics.ActivitySourceName);
                if (options.OtlpEndpoint is { } endpoint)
                {
                    builder.AddOtlpExporter(o => o.Endpoint = endpoint);
                }

                traces?.Invoke(builder);
            });
    }
}
