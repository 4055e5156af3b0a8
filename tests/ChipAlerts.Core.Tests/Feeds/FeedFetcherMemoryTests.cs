using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Tests.Support;
using Xunit.Abstractions;

namespace ChipAlerts.Core.Tests.Feeds;

/// <summary>A huge or inflating body costs about the cap, not the body: measured as bytes allocated during the fetch.</summary>
[Collection(SerialCollection.Name)]
public sealed class FeedFetcherMemoryTests(ITestOutputHelper output) : FetcherTestBase
{
    private const long Cap = 1024 * 1024;

    [Fact]
    public async Task Fetch_50MegabyteStream_StopsAtCapWithBoundedMemory()
    {
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)'a');
        Server.Map("/huge", async context =>
        {
            for (var sent = 0L; sent < 50L * 1024 * 1024; sent += chunk.Length)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            }
        });

        var (error, allocated) = await MeasureAsync(Server.Url("/huge"));

        Assert.Equal("too-large", error.Code);
        Assert.Equal("the body exceeds the cap of 1,048,576 bytes (ChipAlerts:Fetch:MaxBytes).", error.Message);
        Assert.True(allocated < 6 * Cap, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public async Task Fetch_GzipBomb_StopsAtCapWithBoundedMemory()
    {
        var bomb = FeedFetcherTests.Compress(new byte[64 * 1024 * 1024], "gzip"); // 64 MiB of zeros, ~64 KB on the wire
        Server.Map("/bomb", async context =>
        {
            context.Response.Headers.ContentEncoding = "gzip";
            await context.Response.Body.WriteAsync(bomb, context.RequestAborted);
        });

        var (error, allocated) = await MeasureAsync(Server.Url("/bomb"));

        Assert.True(bomb.Length < 200_000, $"bomb is {bomb.Length:N0} bytes");
        Assert.Equal("inflates-too-large", error.Code);
        Assert.Equal("the decompressed body exceeds the cap of 1,048,576 bytes (ChipAlerts:Fetch:MaxBytes).", error.Message);
        Assert.True(allocated < 6 * Cap, $"allocated {allocated:N0} bytes");
    }

    private async Task<(FeedException Error, long Allocated)> MeasureAsync(Uri url)
    {
        var fetcher = Fetcher;
        // Warm up the connection pool and JIT so the measurement is the body alone.
        Server.MapText("/warm", "<rss/>");
        await fetcher.FetchAsync(Server.Url("/warm"), null, null, default);

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<FeedException>(() => fetcher.FetchAsync(url, null, null, default));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        output.WriteLine($"{url.AbsolutePath}: {error.Code} after {stopwatch.ElapsedMilliseconds} ms, {allocated:N0} bytes allocated (cap {Cap:N0})");
        return (error, allocated);
    }
}
