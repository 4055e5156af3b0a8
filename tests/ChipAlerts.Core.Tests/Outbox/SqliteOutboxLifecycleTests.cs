using Microsoft.Extensions.DependencyInjection;

namespace ChipAlerts.Core.Tests.Outbox;

/// <summary>The outbox's promises on the embedded default, SQLite.</summary>
public sealed class SqliteOutboxLifecycleTests : OutboxLifecycleTests
{
    protected override void UseStore(IServiceCollection services)
    {
    }
}
