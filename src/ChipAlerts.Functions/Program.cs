using ChipAlerts.Azure;
using ChipAlerts.Core;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.Services.AddChipAlertsAzureStorage(builder.Configuration["AzureWebJobsStorage"]
    ?? throw new InvalidOperationException("The setting AzureWebJobsStorage is missing: set it to the storage account's connection string (UseDevelopmentStorage=true for Azurite)."));
builder.Services.AddChipAlerts(builder.Configuration);
builder.Build().Run();
