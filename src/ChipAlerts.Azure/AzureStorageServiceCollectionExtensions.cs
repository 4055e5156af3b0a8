using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using ChipAlerts.Azure.State;
using ChipAlerts.Core.Ledger;
using ChipAlerts.Core.Outbox;
using ChipAlerts.Core.State;
using ChipAlerts.Core.Stories;
using ChipAlerts.Core.WebSub;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ChipAlerts.Azure;

/// <summary>
/// The storage account's table and queue services, from a setting the way the Functions host reads its own
/// connections: a connection string in <c>NAME</c>, or identity-based, <c>NAME__accountName</c> (or
/// <c>NAME__tableServiceUri</c> and <c>NAME__queueServiceUri</c>) with <c>DefaultAzureCredential</c>, or a
/// user-assigned managed identity with <c>NAME__credential=managedidentity</c> and <c>NAME__clientId</c>.
/// </summary>
public sealed record AzureStorageAccount(TableServiceClient Tables, QueueServiceClient Queues)
{
    public static AzureStorageAccount FromSettings(IConfiguration settings, string name = "AzureWebJobsStorage")
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings[name] is { Length: > 0 } connectionString)
        {
            return FromConnectionString(connectionString);
        }

        var connection = settings.GetSection(name);
        var account = connection["accountName"];
        var tables = connection["tableServiceUri"] ?? (account is null ? null : $"https://{account}.table.core.windows.net");
        var queues = connection["queueServiceUri"] ?? (account is null ? null : $"https://{account}.queue.core.windows.net");
        if (tables is null || queues is null)
        {
            throw new InvalidOperationException(
                $"The setting {name} is missing: set it to the storage account's connection string (UseDevelopmentStorage=true for Azurite), " +
                $"or for an identity-based connection set {name}__accountName (or {name}__tableServiceUri and {name}__queueServiceUri).");
        }

        TokenCredential credential = string.Equals(connection["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(connection["clientId"] ?? throw new InvalidOperationException($"{name}__credential is managedidentity: set {name}__clientId to the identity's client id.")))
            : new DefaultAzureCredential();
        return new(new TableServiceClient(new Uri(tables), credential), new QueueServiceClient(new Uri(queues), credential));
    }

    public static AzureStorageAccount FromConnectionString(string connectionString) =>
        new(new TableServiceClient(connectionString), new QueueServiceClient(connectionString));
}

public static class AzureStorageServiceCollectionExtensions
{
    /// <summary>
    /// Keeps state in Azure Storage instead of SQLite. Call before AddChipAlerts, whose SQLite store
    /// is registered only where no store is.
    /// </summary>
    public static IServiceCollection AddChipAlertsAzureStorage(this IServiceCollection services, string connectionString, string tablePrefix = "chipalerts") =>
        services.AddChipAlertsAzureStorage(AzureStorageAccount.FromConnectionString(connectionString), tablePrefix);

    public static IServiceCollection AddChipAlertsAzureStorage(this IServiceCollection services, AzureStorageAccount account, string tablePrefix = "chipalerts")
    {
        ArgumentNullException.ThrowIfNull(account);
        services.AddSingleton(account.Queues);
        services.AddSingleton(_ => new TableStore(account.Tables, tablePrefix));
        services.AddSingleton<IFeedStateStore>(sp => sp.GetRequiredService<TableStore>());
        services.AddSingleton<IItemLedger>(sp => sp.GetRequiredService<TableStore>());
        services.AddSingleton<IOutboxStore>(sp => sp.GetRequiredService<TableStore>());
        services.AddSingleton<IOptOutStore>(sp => sp.GetRequiredService<TableStore>());
        services.AddSingleton<IStoryStore>(sp => sp.GetRequiredService<TableStore>());
        services.AddSingleton<IPushSubscriptionStore>(sp => sp.GetRequiredService<TableStore>());
        return services;
    }
}
