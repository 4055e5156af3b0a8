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

    [Fact]
    public async Task LaneIndex_ARowLeftByACrashBetweenTwoWrites_IsDroppedWhenAPassReadsIt()
    {
        // A crash after the index row was written and before the alert was: the row points at nothing.
        var lanes = new TableServiceClient(azurite.ConnectionString).GetTableClient(prefix + "alertlanes");
        var lane = "email:ghost@example.com";
        var createdAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var store = Open();
        await lanes.AddEntityAsync(new TableEntity(Core.Feeds.ItemKeys.Hash(lane), $"{createdAt.UtcTicks:D19}-ghost")
        {
            ["AlertId"] = "ghost",
            ["Lane"] = lane,
            ["Digest"] = false,
            ["CreatedAt"] = createdAt,
            ["DueAt"] = createdAt,
        });

        var active = new List<Core.Outbox.ActiveAlert>();
        await foreach (var a in store.ActiveAsync(null, default))
        {
            active.Add(a);
        }

        Assert.Equal("ghost", Assert.Single(active).AlertId);
        Assert.Null(await store.ReadActiveAsync(active[0], default));
        await foreach (var _ in store.ActiveAsync(null, default))
        {
            Assert.Fail("the stale row is gone");
        }
    }
}
