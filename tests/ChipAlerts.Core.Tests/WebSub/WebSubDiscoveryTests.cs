using System.Security.Cryptography;
using System.Text;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Tests.Feeds;
using ChipAlerts.Core.WebSub;

namespace ChipAlerts.Core.Tests.WebSub;

/// <summary>WebSub discovery (§4) in every format the parser reads and in the Link header, and the signature check (§8).</summary>
public sealed class WebSubDiscoveryTests : FetcherTestBase
{
    private static readonly Uri FeedUrl = new("https://wire.example.com/news/feed.xml");

    private static WebSubLinks? Discovered(string document) =>
        FeedParser.ParseFeed("f", Encoding.UTF8.GetBytes(document), "utf-8", FeedUrl).WebSub;

    [Fact]
    public void Atom_HubAndSelf_RelativeOnesResolvedAgainstTheFeed()
    {
        var links = Discovered("""
            <feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
              <link rel="alternate" href="https://wire.example.com/"/>
              <link rel="self" href="/news/feed.xml"/><link rel="hub" href="https://pubsubhubbub.appspot.com/"/><link rel="hub" href="https://second.example.com/"/>
            </feed>
            """);

        Assert.Equal(new WebSubLinks(new Uri("https://pubsubhubbub.appspot.com/"), new Uri("https://wire.example.com/news/feed.xml")), links);
    }

    [Fact]
    public void Rss_AtomLinkInTheChannel_AndRelAsOneOfSeveralTokens()
    {
        var links = Discovered("""
            <rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>t</title><link>https://wire.example.com/</link>
              <atom:link rel="self hub-ignored" href="https://wire.example.com/rss"/><atom:link rel="HUB" href="https://hub.example.com/push"/>
              <item><title>x</title><atom:link rel="hub" href="https://item-level.example.com/"/></item>
            </channel></rss>
            """);

        Assert.Equal(new WebSubLinks(new Uri("https://hub.example.com/push"), new Uri("https://wire.example.com/rss")), links);
    }

    [Fact]
    public void JsonFeed_Hubs_AndFeedUrl()
    {
        var links = Discovered("""
            {"version": "https://jsonfeed.org/version/1.1", "title": "t", "feed_url": "https://wire.example.com/feed.json",
             "hubs": [{"type": "rssCloud", "url": "https://cloud.example.com/"}, {"type": "WebSub", "url": "https://hub.example.com/"}], "items": []}
            """);

        Assert.Equal(new WebSubLinks(new Uri("https://hub.example.com/"), new Uri("https://wire.example.com/feed.json")), links);
    }

    [Theory]
    [InlineData("""<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><link rel="self" href="https://wire.example.com/"/></feed>""")]
    [InlineData("""<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><link rel="hub" href="javascript:alert(1)"/></feed>""")]
    [InlineData("""<rss version="2.0"><channel><title>t</title><link>https://hub.example.com/</link></channel></rss>""")]
    public void NoHub_OrOneThatIsNotHttp_IsNone(string document) => Assert.Null(Discovered(document));

    [Fact]
    public void LinkHeader_SeveralValues_CommasInsideUrlsAndQuotes()
    {
        var links = WebSubLinks.FromHeader(
            ["<https://wire.example.com/a,b>; rel=\"alternate\"; title=\"x, y\", </hub>; rel=\"hub\"", "<https://wire.example.com/feed>; rel=self"],
            FeedUrl);

        Assert.Equal(new WebSubLinks(new Uri("https://wire.example.com/hub"), new Uri("https://wire.example.com/feed")), links);
        Assert.Null(WebSubLinks.FromHeader(["<https://wire.example.com/>; rel=\"self\""], FeedUrl));
    }

    [Fact]
    public async Task Fetch_ReadsTheLinkHeader_WhichDiscoveryPrefersToTheDocument()
    {
        Server.Map("/feed", async context =>
        {
            context.Response.Headers.Link = "<https://header-hub.example.com/>; rel=\"hub\", <https://wire.example.com/topic>; rel=\"self\"";
            context.Response.ContentType = "application/atom+xml";
            await Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(context.Response,
                """<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><link rel="hub" href="https://document-hub.example.com/"/></feed>""");
        });

        var fetched = await Fetcher.FetchAsync(Server.Url("/feed"), null, null, default);

        Assert.Equal(new WebSubLinks(new Uri("https://header-hub.example.com/"), new Uri("https://wire.example.com/topic")), fetched.WebSub);
    }

    [Theory]
    [InlineData("sha1")]
    [InlineData("sha256")]
    [InlineData("SHA384")]
    [InlineData("sha512")]
    public void Signature_OfEveryMethodOfTheSpec_Matches(string method)
    {
        var body = Encoding.UTF8.GetBytes("<feed/>");
        var key = Encoding.UTF8.GetBytes("s3cret");
        var hash = method.ToLowerInvariant() switch
        {
#pragma warning disable CA5350 // the spec's sha1, as hubs send it
            "sha1" => HMACSHA1.HashData(key, body),
#pragma warning restore CA5350
            "sha256" => HMACSHA256.HashData(key, body),
            "sha384" => HMACSHA384.HashData(key, body),
            _ => HMACSHA512.HashData(key, body),
        };

        Assert.True(WebSubCallback.SignatureMatches($"{method}={Convert.ToHexString(hash)}", "s3cret", body));
        Assert.False(WebSubCallback.SignatureMatches($"{method}={Convert.ToHexString(hash)}", "other", body));
        Assert.False(WebSubCallback.SignatureMatches($"{method}={Convert.ToHexString(hash)}", "s3cret", [.. body, 0x20]));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sha256")]
    [InlineData("sha256=zz")]
    [InlineData("md5=00")]
    [InlineData("=00")]
    public void Signature_MissingOrMalformed_DoesNotMatch(string? header) =>
        Assert.False(WebSubCallback.SignatureMatches(header, "s3cret", [1, 2, 3]));
}
