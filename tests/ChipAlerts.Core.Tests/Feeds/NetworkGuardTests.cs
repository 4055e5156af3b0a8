using System.Net;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Core.Tests.Feeds;

/// <summary>With private networks not allowed (the default), no request reaches the machine's own or a private address.</summary>
public sealed class NetworkGuardTests : IAsyncLifetime
{
    private readonly TempDir dir = new();
    private TestServer server = null!;
    private PipelineHost host = null!;

    public async Task InitializeAsync()
    {
        server = await TestServer.StartAsync();
        server.MapFeed("/feed", "<rss version=\"2.0\"><channel><title>t</title></channel></rss>");
        host = PipelineHost.Create(dir, Configs.With([Configs.Feed("f", server.Url("/unused"))]),
            new Dictionary<string, string?> { ["ChipAlerts:Fetch:AllowPrivateNetworks"] = "false" });
    }

    public async Task DisposeAsync()
    {
        host.Dispose();
        await server.DisposeAsync();
        dir.Dispose();
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    [InlineData("[::1]")]
    [InlineData("[::ffff:127.0.0.1]")]
    public async Task Fetch_LoopbackFeed_IsRefusedBeforeAnyRequest(string hostName)
    {
        var url = new Uri($"http://{hostName}:{server.BaseUri.Port}/feed");

        var error = await Assert.ThrowsAsync<FeedException>(() => host.Get<FeedFetcher>().FetchAsync(url, null, null, default));

        Assert.Equal("blocked-address", error.Code);
        Assert.Contains("is not a public internet address; add the host to ChipAlerts:Fetch:AllowedPrivateHosts (or set ChipAlerts:Fetch:AllowPrivateNetworks to true)", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.CountRequests("/feed"));
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://10.1.2.3/feed")]
    [InlineData("http://192.168.1.1/feed")]
    [InlineData("http://[fd00::1]/feed")]
    public async Task Fetch_PrivateOrMetadataAddress_IsRefusedWithoutConnecting(string url)
    {
        var started = TimeProvider.System.GetTimestamp();

        var error = await Assert.ThrowsAsync<FeedException>(() => host.Get<FeedFetcher>().FetchAsync(new Uri(url), null, null, default));

        Assert.Equal("blocked-address", error.Code);
        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(1), "refused at once, not after a connect timeout");
    }

    [Fact]
    public async Task Fetch_RedirectFromAnAllowedHostToAPrivateOne_IsRefusedBeforeConnecting()
    {
        var port = server.BaseUri.Port;
        server.Map("/hop", context =>
        {
            context.Response.StatusCode = 302;
            context.Response.Headers.Location = $"http://localhost:{port}/feed";
            return Task.CompletedTask;
        });
        using var intranet = PipelineHost.Create(dir, Configs.With([Configs.Feed("f", server.Url("/unused"))]), new Dictionary<string, string?>
        {
            ["ChipAlerts:Fetch:AllowPrivateNetworks"] = "false",
            ["ChipAlerts:Fetch:AllowedPrivateHosts:0"] = "127.0.0.1",
        });

        var error = await Assert.ThrowsAsync<FeedException>(() => intranet.Get<FeedFetcher>().FetchAsync(new Uri($"http://127.0.0.1:{port}/hop"), null, null, default));

        Assert.Equal("blocked-address", error.Code);
        Assert.StartsWith("refused before connecting: localhost resolves to ", error.Message, StringComparison.Ordinal);
        Assert.Equal((1, 0), (server.CountRequests("/hop"), server.CountRequests("/feed")));
    }

    [Fact]
    public async Task Fetch_AllowedPrivateHost_Connects()
    {
        using var intranet = PipelineHost.Create(dir, Configs.With([Configs.Feed("f", server.Url("/unused"))]), new Dictionary<string, string?>
        {
            ["ChipAlerts:Fetch:AllowPrivateNetworks"] = "false",
            ["ChipAlerts:Fetch:AllowedPrivateHosts:0"] = "127.0.0.1",
        });

        var result = await intranet.Get<FeedFetcher>().FetchAsync(server.Url("/feed"), null, null, default);

        Assert.NotEmpty(result.Body);
    }

    [Fact]
    public async Task Fetch_PrivateNetworksAllowed_Connects()
    {
        using var allowing = PipelineHost.Create(dir, Configs.With([Configs.Feed("f", server.Url("/unused"))]));

        var result = await allowing.Get<FeedFetcher>().FetchAsync(server.Url("/feed"), null, null, default);

        Assert.NotEmpty(result.Body);
        Assert.Equal(1, server.CountRequests("/feed"));
    }

    [Theory]
    [InlineData("8.8.8.8", true)]
    [InlineData("151.101.1.69", true)]
    [InlineData("2606:4700:4700::1111", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.255.0.9", false)]
    [InlineData("10.0.0.1", false)]
    [InlineData("172.16.5.4", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("192.168.0.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("::ffff:8.8.8.8", true)]
    [InlineData("64:ff9b::a00:1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd12:3456::1", false)]
    [InlineData("ff02::1", false)]
    public void IsPublic_ClassifiesAddresses(string address, bool expected)
    {
        Assert.Equal(expected, NetworkGuard.IsPublic(IPAddress.Parse(address)));
    }
}
