using Azure.Data.Tables;
using ChipAlerts.Azure.State;
using ChipAlerts.Azure.Tests.Support;
using ChipAlerts.Core.Tests.State;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Azure.Tests.State;

/// <summary>The store contract on real Azure Table Storage (Azurite). Each test class instance gets its own tables.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TableStoreTests(Azurite azurite) : StoreContractTests<TableStore>
{
    private readonly string prefix = "t" + Guid.NewGuid().ToString("N")[..12];

    protected override TableStore Open() => new(new TableServiceClient(azurite.ConnectionString), prefix);

    [Fact]
    public async Task Claim_LosesWhenTheAlertChangedSinceItWasRead()
    {
        var first = Open();
        var second = Open();
        var alert = Alerts.Email(createdAt: Now);
        await first.AddAsync([alert], default);

        var claims = await Task.WhenAll(
            first.TryClaimAsync(alert.AlertId, Now, Now.AddMinutes(5), default),
            second.TryClaimAsync(alert.AlertId, Now, Now.AddMinutes(5), default));

        Assert.Equal(1, claims.Count(c => c));
    }
}
