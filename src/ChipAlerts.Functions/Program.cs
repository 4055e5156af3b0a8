using ChipAlerts.Azure;
using ChipAlerts.Core;
using ChipAlerts.Core.Configuration;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
// The host's own storage connection, a connection string or identity-based (AzureWebJobsStorage__accountName).
builder.Services.AddChipAlertsAzureStorage(AzureStorageAccount.FromSettings(builder.Configuration));
builder.Services.AddChipAlerts(builder.Configuration);

var app = builder.Build();
// Read and validate chipalerts.json now: a bad file stops the host at start-up with every error named.
app.Services.GetRequiredService<LoadedConfig>();
app.Run();
