using ChipAlerts.Azure.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace ChipAlerts.Azure.Tests;

/// <summary>The storage connection read the way the Functions host reads AzureWebJobsStorage: a connection string, or identity-based.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureStorageAccountTests(Azurite azurite)
{
    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Fact]
    public async Task ConnectionString_ReachesTheAccountsTablesAndQueues()
    {
        var account = AzureStorageAccount.FromSettings(Settings(("AzureWebJobsStorage", azurite.ConnectionString)));

        await account.Tables.GetTableClient("t" + Guid.NewGuid().ToString("N")[..12]).CreateIfNotExistsAsync();
        await account.Queues.GetQueueClient("q" + Guid.NewGuid().ToString("N")[..12]).CreateIfNotExistsAsync();
        Assert.Equal("devstoreaccount1", account.Tables.AccountName);
    }

    [Fact]
    public void AccountName_AsAzureWebJobsStorage__accountName_GivesTheAccountsServiceUrls()
    {
        // Environment variables arrive with "__" read as ":".
        var account = AzureStorageAccount.FromSettings(Settings(("AzureWebJobsStorage:accountName", "chipalertsprod")));

        Assert.Equal(new Uri("https://chipalertsprod.table.core.windows.net"), account.Tables.Uri);
        Assert.Equal(new Uri("https://chipalertsprod.queue.core.windows.net"), account.Queues.Uri);
        Assert.Equal("chipalertsprod", account.Queues.AccountName);
    }

    [Fact]
    public void ServiceUris_AndAUserAssignedIdentity_AreTaken()
    {
        var account = AzureStorageAccount.FromSettings(Settings(
            ("AzureWebJobsStorage:tableServiceUri", "https://tables.example.net"),
            ("AzureWebJobsStorage:queueServiceUri", "https://queues.example.net"),
            ("AzureWebJobsStorage:credential", "managedidentity"),
            ("AzureWebJobsStorage:clientId", "00000000-0000-0000-0000-000000000001")));

        Assert.Equal(new Uri("https://tables.example.net"), account.Tables.Uri);
        Assert.Equal(new Uri("https://queues.example.net"), account.Queues.Uri);
    }

    [Theory]
    [InlineData(null, "The setting AzureWebJobsStorage is missing: set it to the storage account's connection string (UseDevelopmentStorage=true for Azurite), or for an identity-based connection set AzureWebJobsStorage__accountName (or AzureWebJobsStorage__tableServiceUri and AzureWebJobsStorage__queueServiceUri).")]
    [InlineData("managedidentity", "AzureWebJobsStorage__credential is managedidentity: set AzureWebJobsStorage__clientId to the identity's client id.")]
    public void Missing_SaysWhatToSet(string? credential, string message)
    {
        var settings = credential is null ? Settings() : Settings(("AzureWebJobsStorage:accountName", "a"), ("AzureWebJobsStorage:credential", credential));

        var error = Assert.Throws<InvalidOperationException>(() => AzureStorageAccount.FromSettings(settings));

        Assert.Equal(message, error.Message);
    }
}
