using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace ChipAlerts.Core.Tests.Feeds;

public sealed class FeedFetcherTests : FetcherTestBase
{
    private const string Rss = """<rss version="2.0"><channel><title>t</title><item><title>Rapidus</title><guid>1</guid></item></channel></rss>""";

    [Fact]
    public async Task Fetch_WithETag_SecondRequestIsNotModified()
    {
        Server.Map("/feed", async context =>
        {
            // Also a Last-Modified, which MapFeed does not send.
            if (context.Request.Headers.IfNoneMatch == "\"v1\"")
            {
                context.Response.StatusCode = 304;
                return;
            }

            context.Response.Headers.ETag = "\"v1\"";
            context.Response.Headers.LastModified = "Fri, 26 May 2023 00:00:00 GMT";
            await context.Response.WriteAsync(Rss);
        });

        var first = await Fetcher.FetchAsync(Server.Url("/feed"), null, null, default);
        var second = await Fetcher.FetchAsync(Server.Url("/feed"), first.ETag, first.LastModified, default);

        Assert.False(first.NotModified);
        Assert.Equal("\"v1\"", first.ETag);
        Assert.Equal("Fri, 26 May 2023 00:00:00 GMT", first.LastModified);
        Assert.True(second.NotModified);
        Assert.Empty(second.Body);
        var conditional = Server.Requests.Last();
        Assert.Equal("\"v1\"", conditional.Headers["If-None-Match"]);
        Assert.Equal("Fri, 26 May 2023 00:00:00 GMT", conditional.Headers["If-Modified-Since"]);
    }

    [Fact]
    public async Task Fetch_UserAgent_NamesChipAlertsAndTheConfiguredContact()
    {
        Server.MapFeed("/ua", Rss);
        using var host = PipelineHost.Create(Dir, Configs.With([Configs.Feed("f", Server.Url("/ua"))]),
            new Dictionary<string, string?> { ["ChipAlerts:Fetch:ContactUrl"] = "mailto:ops@alerts.example.com" });

        await host.Get<FeedFetcher>().FetchAsync(Server.Url("/ua"), null, null, default);

        Assert.Equal("ChipAlerts/1.0 (+mailto:ops@alerts.example.com)", Server.Requests.Last().Headers["User-Agent"]);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("br")]
    public async Task Fetch_CompressedBody_IsDecompressed(string encoding)
    {
        Server.Map("/compressed", async context =>
        {
            context.Response.Headers.ContentEncoding = encoding;
            await context.Response.Body.WriteAsync(Compress(Encoding.UTF8.GetBytes(Rss), encoding));
        });

        var result = await Fetcher.FetchAsync(Server.Url("/compressed"), null, null, default);

        Assert.Equal(Rss, Encoding.UTF8.GetString(result.Body));
        Assert.Contains(encoding, Server.Requests.Last().Headers["Accept-Encoding"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("iso-8859-1.xml", null, "Nishimura à Détroit - café")]
    [InlineData("windows-1252-no-declaration.xml", "windows-1252", "“Micron” – €3bn plan")] // the charset only in the HTTP header
    [InlineData("shift_jis.xml", null, "ラピダス、2ナノ試作ラインを稼働")]
    [InlineData("euc-jp.xml", null, "マイクロン、広島で増産")]
    [InlineData("utf-16-bom.xml", null, "ラピダスとIBM")]
    [InlineData("utf-8-bom.xml", "iso-8859-1", "Rapidus 北海道 – “2nm” ✓")] // the byte-order mark outranks a wrong header
    public async Task FetchAndParse_ServedEncodings_GiveExactTitles(string fixture, string? httpCharset, string title)
    {
        var bytes = await File.ReadAllBytesAsync(TestPaths.Fixture("Feeds/" + fixture));
        Server.Map("/" + fixture, async context =>
        {
            context.Response.ContentType = httpCharset is null ? "application/rss+xml" : $"application/rss+xml; charset={httpCharset}";
            await context.Response.Body.WriteAsync(bytes);
        });

        var fetched = await Fetcher.FetchAsync(Server.Url("/" + fixture), null, null, default);
        var item = FeedParser.Parse("enc", fetched.Body, fetched.Charset, Server.Url("/" + fixture))[0];

        Assert.Equal(httpCharset, fetched.Charset);
        Assert.Equal(title, item.Title);
    }

    [Fact]
    public async Task Fetch_ErrorStatusWithFeedBody_IsAnError()
    {
        Server.MapText("/gone", Rss, status: 404);

        var error = await Assert.ThrowsAsync<FeedException>(() => Fetcher.FetchAsync(Server.Url("/gone"), null, null, default));

        Assert.Equal("http-404", error.Code);
        Assert.Equal("the server answered 404 Not Found.", error.Message);
    }

    [Fact]
    public async Task Fetch_429WithRetryAfter_CarriesTheDelay()
    {
        Server.Map("/busy", context =>
        {
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = "120";
            return Task.CompletedTask;
        });

        var error = await Assert.ThrowsAsync<FeedException>(() => Fetcher.FetchAsync(Server.Url("/busy"), null, null, default));

        Assert.Equal("http-429", error.Code);
        Assert.Equal(TimeSpan.FromMinutes(2), error.RetryAfter);
    }

    [Fact]
    public async Task Fetch_FileUrl_ReadsTheFile()
    {
        var path = Dir.File("local.xml");
        await File.WriteAllTextAsync(path, Rss);

        var result = await Fetcher.FetchAsync(new Uri(path), null, null, default);

        Assert.Equal(Rss, Encoding.UTF8.GetString(result.Body));
    }

    [Fact]
    public async Task Fetch_MissingFile_IsNotFound()
    {
        var error = await Assert.ThrowsAsync<FeedException>(() => Fetcher.FetchAsync(new Uri(Dir.File("none.xml")), null, null, default));

        Assert.Equal("not-found", error.Code);
    }

    [Fact]
    public async Task Fetch_AnnouncedHugeBody_RefusedBeforeReading()
    {
        Server.Map("/announced", async context =>
        {
            context.Response.ContentLength = 50L * 1024 * 1024;
            await context.Response.Body.FlushAsync();
            await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);
        });

        var error = await Assert.ThrowsAsync<FeedException>(() => Fetcher.FetchAsync(Server.Url("/announced"), null, null, default));

        Assert.Equal("too-large", error.Code);
        Assert.Equal("the server announced 52,428,800 bytes exceeds the cap of 1,048,576 bytes (ChipAlerts:Fetch:MaxBytes).", error.Message);
    }

    [Fact]
    public async Task Fetch_SlowServer_StopsAtTheDeadline()
    {
        Server.Map("/slow", async context =>
        {
            context.Response.ContentType = "application/rss+xml";
            await context.Response.Body.FlushAsync();
            for (var i = 0; i < 60; i++)
            {
                await context.Response.Body.WriteAsync("<"u8.ToArray(), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(500, context.RequestAborted);
            }
        });

        using var host = PipelineHost.Create(Dir, Configs.With([Configs.Feed("f", Server.Url("/slow"))]), new Dictionary<string, string?> { ["ChipAlerts:Fetch:Timeout"] = "00:00:02" });

        var stopwatch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<FeedException>(() => host.Get<FeedFetcher>().FetchAsync(Server.Url("/slow"), null, null, default));

        Assert.Equal("timeout", error.Code);
        Assert.Equal("no complete answer within 2 s.", error.Message);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(5));
    }

    internal static byte[] Compress(byte[] data, string encoding)
    {
        using var output = new MemoryStream();
        using (Stream compressor = encoding switch
        {
            "gzip" => new GZipStream(output, CompressionLevel.SmallestSize),
            "deflate" => new ZLibStream(output, CompressionLevel.Fastest),
            _ => new BrotliStream(output, CompressionLevel.Fastest),
        })
        {
            compressor.Write(data);
        }

        return output.ToArray();
    }
}
