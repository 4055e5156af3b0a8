using Azure.Monitor.OpenTelemetry.Exporter;
using ChipAlerts.Azure;
using ChipAlerts.Core;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Observability;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
// The host's own storage connection, a connection string or identity-based (AzureWebJobsStorage__accountName).
builder.Services.AddChipAlertsAzureStorage(AzureStorageAccount.FromSettings(builder.Configuration));
builder.Services.AddChipAlerts(builder.Configuration);
// Metrics and traces: OTLP when ChipAlerts:Telemetry:OtlpEndpoint is set; Application Insights (Azure Monitor) when
// the Function App has APPLICATIONINSIGHTS_CONNECTION_STRING, as the Functions OpenTelemetry guidance describes.
var telemetry = builder.Services.AddChipAlertsTelemetry(builder.Configuration);
if (!string.IsNullOrEmpty(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
{
    telemetry.UseFunctionsWorkerDefaults().UseAzureMonitorExporter();
}

var app = builder.Build();
// Read and validate chipalerts.json now: a bad file stops the host at start-up with every error named.
app.Services.GetRequiredService<LoadedConfig>();
app.Run();
