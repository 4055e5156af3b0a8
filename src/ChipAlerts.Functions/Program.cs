using Azure.Storage.Queues;
using ChipAlerts.Azure;
using ChipAlerts.Core;
using ChipAlerts.Core.Configuration;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
var storage = builder.Configuration["AzureWebJobsStorage"]
    ?? throw new InvalidOperationException("The setting AzureWebJobsStorage is missing: set it to the storage account's connection string (UseDevelopmentStorage=true for Azurite).");
builder.Services.AddChipAlertsAzureStorage(storage);
builder.Services.AddSingleton(new QueueServiceClient(storage));
builder.Services.AddChipAlerts(builder.Configuration);

var app = builder.Build();
// Read and validate chipalerts.json now: a bad file stops the host at start-up with every error named.
app.Services.GetRequiredService<LoadedConfig>();
app.Run();
