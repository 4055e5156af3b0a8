using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Core.Tests.Feeds;

/// <summary>A Kestrel server to fetch from, and the fetcher from the real composition root (1 MiB cap, 10 s deadline).</summary>
public abstract class FetcherTestBase : IAsyncLifetime
{
    protected TempDir Dir { get; } = new();

    protected TestServer Server { get; private set; } = null!;

    protected PipelineHost Host { get; private set; } = null!;

    protected FeedFetcher Fetcher => Host.Get<FeedFetcher>();

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync();
        Host = PipelineHost.Create(Dir, Configs.With([Configs.Feed("f", Server.Url("/unused"))]));
    }

    public async Task DisposeAsync()
    {
        Host.Dispose();
        await Server.DisposeAsync();
        Dir.Dispose();
    }
}
