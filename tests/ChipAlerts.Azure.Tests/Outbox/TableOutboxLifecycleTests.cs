using ChipAlerts.Azure.Tests.Support;
using ChipAlerts.Core.Tests.Outbox;
using Microsoft.Extensions.DependencyInjection;

namespace ChipAlerts.Azure.Tests.Outbox;

/// <summary>The outbox's promises on Azure Table Storage (Azurite): the same suite as on SQLite, tables of this test's own.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TableOutboxLifecycleTests(Azurite azurite) : OutboxLifecycleTests
{
    private readonly string prefix = "o" + Guid.NewGuid().ToString("N")[..12];

    protected override void UseStore(IServiceCollection services) => services.AddChipAlertsAzureStorage(azurite.ConnectionString, prefix);
}
