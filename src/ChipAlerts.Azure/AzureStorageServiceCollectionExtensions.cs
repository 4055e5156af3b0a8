using Azure.Data.Tables;
using ChipAlerts.Azure.State;
using ChipAlerts.Core.State;
using Microsoft.Extensions.DependencyInjection;

namespace ChipAlerts.Azure;

public static class AzureStorageServiceCollectionExtensions
{
    /// <summary>
    /// Keeps state in Azure Storage instead of SQLite. Call before AddChipAlerts, whose SQLite store
    /// is registered only where no store is.
    /// </summary>
    public static IServiceCollection AddChipAlertsAzureStorage(this IServiceCollection services, string connectionString, string tablePrefix = "chipalerts")
    {
        services.AddSingleton(_ => new TableStore(new TableServiceClient(connectionString), tablePrefix));
        services.AddSingleton<IFeedStateStore>(sp => sp.GetRequiredService<TableStore>());
        services.AddSingleton<IItemLedger>(sp => sp.GetRequiredService<TableStore>());
        services.AddSingleton<IOutbox>(sp => sp.GetRequiredService<TableStore>());
        services.AddSingleton<IOptOutStore>(sp => sp.GetRequiredService<TableStore>());
        return services;
    }
}
