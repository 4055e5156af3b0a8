using Azure.Data.Tables;
using ChipAlerts.Azure.State;
using ChipAlerts.Azure.Tests.Support;
using ChipAlerts.Core.Tests.State;

namespace ChipAlerts.Azure.Tests.State;

/// <summary>The store contract on real Azure Table Storage (Azurite). Each test class instance gets its own tables.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TableStoreTests(Azurite azurite) : StoreContractTests<TableStore>
{
    private readonly string prefix = "t" + Guid.NewGuid().ToString("N")[..12];

    protected override TableStore Open() => new(new TableServiceClient(azurite.ConnectionString), prefix);
}
