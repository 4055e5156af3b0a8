using System.Diagnostics;
using System.Text;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Core.Tests.Feeds;

public sealed class FeedParserTests
{
    private static readonly Uri FeedUrl = new("https://wire.example.com/feed.xml");

    private static IReadOnlyList<FeedItem> ParseFixture(string name, string? charset = null) =>
        FeedParser.Parse("test", File.ReadAllBytes(TestPaths.Fixture("Feeds/" + name)), charset, FeedUrl);

    private static FeedException Refused(string name) =>
        Assert.Throws<FeedException>(() => ParseFixture(name));

    [Fact]
    public void Parse_Rss20_MapsFieldsToPlainText()
    {
        var items = ParseFixture("rss20.xml");

        Assert.Equal(4, items.Count);
        var first = items[0];
        Assert.Equal("Rapidus & IBM: 2nm milestone", first.Title);
        // script and style dropped, &nbsp; decoded and folded, full-width letters as written
        Assert.Equal("First wafers from the pilot line. Ｒａｐｉｄｕｓ said so.", first.Summary);
        Assert.Equal("https://wire.example.com/a?utm_source=rss#top", first.Link);
        Assert.Equal(new DateTimeOffset(2023, 5, 25, 18, 40, 0, TimeSpan.Zero), first.Published);
    }

    [Theory]
    [InlineData("/story/1", "https://wire.example.com/story/1")] // path-absolute: a file path to .NET on Linux
    [InlineData("//cdn.example.com/x", "https://cdn.example.com/x")] // network-path: the feed's scheme
    [InlineData("story/2", "https://wire.example.com/story/2")]
    [InlineData("?id=3", "https://wire.example.com/feed.xml?id=3")]
    [InlineData("  https://other.example.com/a  ", "https://other.example.com/a")]
    [InlineData("HTTPS://Other.Example.com/B", "https://other.example.com/B")]
    [InlineData("file:///etc/passwd", null)]
    [InlineData("javascript:alert(1)", null)]
    [InlineData("mailto:desk@example.com", null)]
    public void Parse_EveryLinkForm_ResolvesAsABrowserWould(string link, string? expected)
    {
        var rss = $"<rss version=\"2.0\"><channel><title>t</title><item><title>Rapidus</title><link>{System.Security.SecurityElement.Escape(link)}</link></item></channel></rss>";

        var item = Assert.Single(FeedParser.Parse("test", Encoding.UTF8.GetBytes(rss), null, FeedUrl));

        Assert.Equal(expected, item.Link);
    }

    [Theory]
    [InlineData("<dc:title>Rapidus starts 2nm line</dc:title><dc:description>From Hokkaido.</dc:description><dc:date>2025-07-18T03:00:00Z</dc:date>", "Rapidus starts 2nm line", "From Hokkaido.", "2025-07-18T03:00:00Z")]
    [InlineData("<title>Rapidus</title><content:encoded><![CDATA[<p>The <b>full</b> story.</p>]]></content:encoded>", "Rapidus", "The full story.", null)]
    [InlineData("<media:title>Micron video</media:title><media:description>HBM explained.</media:description>", "Micron video", "HBM explained.", null)]
    [InlineData("<media:group><media:title>In a group</media:title><media:description>Grouped text.</media:description></media:group>", "In a group", "Grouped text.", null)]
    [InlineData("<title>Podcast</title><itunes:summary>Episode about quantum.</itunes:summary>", "Podcast", "Episode about quantum.", null)]
    public void Parse_TheCommonNamespaces_FillWhatTheCoreElementsLeaveEmpty(string elements, string title, string summary, string? date)
    {
        var rss = "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" "
            + "xmlns:media=\"http://search.yahoo.com/mrss/\" xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\"><channel><title>t</title>"
            + $"<item><guid>1</guid>{elements}</item></channel></rss>";

        var item = Assert.Single(FeedParser.Parse("test", Encoding.UTF8.GetBytes(rss), null, FeedUrl));

        Assert.Equal((title, summary), (item.Title, item.Summary));
        Assert.Equal(date is null ? null : DateTimeOffset.Parse(date, System.Globalization.CultureInfo.InvariantCulture), item.Published);
    }

    [Fact]
    public void Parse_Atom03Base64Content_IsDecoded_NotShownAsBase64()
    {
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes("<p>Rapidus ships <b>2nm</b> samples — ラピダス</p>"));
        var atom = "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><title>t</title><entry><title>Rapidus</title><id>e1</id>"
            + $"<content type=\"text/html\" mode=\"base64\">{encoded}</content></entry></feed>";

        var item = Assert.Single(FeedParser.Parse("test", Encoding.UTF8.GetBytes(atom), null, FeedUrl));

        Assert.Equal("Rapidus ships 2nm samples — ラピダス", item.Summary);
    }

    [Fact]
    public void Parse_AnItemWithoutAGuid_IsKeyedByItsResolvedLink_SoAPathLinkKeepsItsIdentity()
    {
        var rss = "<rss version=\"2.0\"><channel><title>t</title><item><title>A</title><link>/story/1</link></item><item><title>A</title><link>/story/2</link></item></channel></rss>";

        var items = FeedParser.Parse("test", Encoding.UTF8.GetBytes(rss), null, FeedUrl);

        Assert.Equal([ItemKeys.Hash("link|https://wire.example.com/story/1"), ItemKeys.Hash("link|https://wire.example.com/story/2")], items.Select(i => i.Key));
    }

    [Fact]
    public void Parse_Rss20_KeysByGuidThenLinkThenContent()
    {
        var items = ParseFixture("rss20.xml");

        Assert.Equal(ItemKeys.Hash("guid|test|wire-0001"), items[0].Key); // bare guid, trimmed, scoped by feed
        Assert.Equal(ItemKeys.Hash("link|https://wire.example.com/b?id=7"), items[1].Key); // canonical link
        Assert.Equal(ItemKeys.Hash("text|test|Neither guid nor link|Only text."), items[2].Key);
        Assert.Equal(4, items.Select(i => i.Key).Distinct().Count());
    }

    [Fact]
    public void Parse_JavascriptLink_IsDropped()
    {
        var item = ParseFixture("rss20.xml")[3];

        Assert.Null(item.Link);
    }

    [Fact]
    public void Parse_AtomRelativeLinks_ResolveAgainstXmlBase_AndUnsafeSchemesAreNeverLinks()
    {
        var items = ParseFixture("atom-xml-base.xml");

        Assert.Equal(
            ["https://news.example.org/semis/2026/rapidus.html", "https://news.example.org/archive/micron.html", null, null, null],
            items.Select(i => i.Link));
    }

    [Fact]
    public void Parse_AtomRelativeLinkWithoutXmlBase_ResolvesAgainstTheFeedUrl()
    {
        Assert.Equal("https://wire.example.com/stories/1.html", Assert.Single(ParseFixture("atom-no-base.xml")).Link);
    }

    [Fact]
    public void Parse_AtomWithoutPublished_UsesUpdated()
    {
        var items = ParseFixture("atom-xml-base.xml");

        Assert.Equal(new DateTimeOffset(2026, 5, 26, 0, 0, 0, TimeSpan.Zero), items[0].Published); // updated, 09:00 JST
        Assert.Equal(new DateTimeOffset(2026, 5, 25, 10, 0, 0, TimeSpan.Zero), items[1].Published); // published wins
    }

    [Fact]
    public void Parse_TwoItemsShareAGuid_EachGetsItsOwnKey()
    {
        var body = Encoding.UTF8.GetBytes("""<rss version="2.0"><channel><title>t</title><item><title>a</title><guid>7</guid></item><item><title>b</title><guid> 7 </guid></item><item><title>a</title><guid>7</guid></item></channel></rss>""");

        var items = FeedParser.Parse("test", body, null, FeedUrl);

        Assert.Equal(items[0].Key, items[2].Key); // the same item twice is one item
        Assert.NotEqual(items[0].Key, items[1].Key);
        Assert.Equal(ItemKeys.Hash("guid|test|7"), items[0].Key);
    }

    [Fact]
    public void Parse_Rss_Ttl_IsReturned()
    {
        var body = Encoding.UTF8.GetBytes("""<rss version="2.0"><channel><title>t</title><ttl> 90 </ttl></channel></rss>""");

        Assert.Equal(TimeSpan.FromMinutes(90), FeedParser.ParseFeed("test", body, null, FeedUrl).Ttl);
    }

    [Fact]
    public void Parse_Atom_UsesPublishedAndDecodesHtml()
    {
        var items = ParseFixture("atom.xml");

        Assert.Equal(2, items.Count);
        Assert.Equal("Export controls & the Netherlands", items[0].Title);
        Assert.Equal("Tools & rules.", items[0].Summary);
        Assert.Equal("https://atom.example.org/1", items[0].Link);
        Assert.Equal(new DateTimeOffset(2023, 5, 26, 0, 0, 0, TimeSpan.Zero), items[0].Published);
        Assert.Equal("Body in content.", items[1].Summary);
    }

    [Fact]
    public void Parse_Rss091_ReadsItems()
    {
        var item = Assert.Single(ParseFixture("rss091.xml"));

        Assert.Equal("Micron opens design centre in Hyderabad", item.Title);
        Assert.Equal("https://legacy.example.com/micron-hyderabad", item.Link);
    }

    [Fact]
    public void Parse_Rss10_ReadsTheSampleFeed()
    {
        var items = FeedParser.Parse("digest", File.ReadAllBytes(Path.Combine(TestPaths.Samples, "feeds", "tech-digest-asia.rdf")), null, FeedUrl);

        Assert.Equal(10, items.Count);
        Assert.Equal("ラピダス、北海道で新工場の起工式", items[0].Title);
        Assert.Equal(new DateTimeOffset(2023, 9, 1, 2, 0, 0, TimeSpan.Zero), items[0].Published);
    }

    [Theory]
    [InlineData("iso-8859-1.xml", null, "Nishimura à Détroit - café")]
    [InlineData("windows-1252-no-declaration.xml", "windows-1252", "“Micron” – €3bn plan")]
    [InlineData("utf-16-bom.xml", null, "ラピダスとIBM")]
    [InlineData("shift_jis.xml", null, "ラピダス、2ナノ試作ラインを稼働")]
    [InlineData("euc-jp.xml", null, "マイクロン、広島で増産")]
    public void Parse_Encodings_DecodeTitles(string fixture, string? httpCharset, string title)
    {
        var item = Assert.Single(ParseFixture(fixture, httpCharset));

        Assert.Equal(title, item.Title);
    }

    [Theory]
    [InlineData("entity-bomb.xml", "dtd-entity-expansion")]
    [InlineData("external-entity.xml", "dtd-external-entity")]
    [InlineData("parameter-entity.xml", "dtd-parameter-entity")]
    [InlineData("external-dtd-subset.xml", "dtd-external")]
    [InlineData("json-error.json", "json-body")]
    [InlineData("html-page.html", "html-page")]
    [InlineData("malformed.xml", "malformed-xml")]
    [InlineData("not-a-feed.xml", "not-a-feed")]
    public void Parse_HostileOrBroken_RefusedWithCode(string fixture, string code)
    {
        Assert.Equal(code, Refused(fixture).Code);
    }

    [Fact]
    public void Parse_BareAmpersandAndHtmlEntities_AreMendedBySecondPassAndSaidSo()
    {
        var parsed = FeedParser.ParseFeed("test", File.ReadAllBytes(TestPaths.Fixture("Feeds/bare-ampersand-and-html-entities.xml")), null, FeedUrl);

        Assert.Equal("3 bare '&', 3 undeclared entities", parsed.Repairs);
        Assert.Equal(["AT&T and Micron sign memory deal", "Second item"], parsed.Items.Select(i => i.Title));
        Assert.Equal("Café talk: Rapidus & IBM, \u201C2nm\u201D \u2014 and &bogus; stays text.", parsed.Items[0].Summary);
        Assert.Equal("https://sloppy.example.com/a?x=1&y=2", parsed.Items[0].Link);
    }

    [Fact]
    public void Parse_WellFormedFeed_NeedsNoRepairs()
    {
        Assert.Null(FeedParser.ParseFeed("test", File.ReadAllBytes(TestPaths.Fixture("Feeds/rss20.xml")), null, FeedUrl).Repairs);
    }

    [Fact]
    public void Parse_TruncatedDocument_StaysMalformedEvenWithAnAmpersandToMend()
    {
        var error = Refused("truncated-with-ampersand.xml");

        Assert.Equal("malformed-xml", error.Code);
    }

    [Theory]
    [InlineData("<r:rss xmlns:r=\"http://backend.userland.com/rss2\" version=\"2.0\"><r:channel><r:title>t</r:title><r:item><r:title>Rapidus</r:title><r:link>https://a.example.com/1</r:link></r:item></r:channel></r:rss>")]
    [InlineData("<rss version=\"2.0\"><title>t</title><item><title>Rapidus</title><link>https://a.example.com/1</link></item></rss>")]
    [InlineData("<rss version=\"0.91\"><item><title>Rapidus</title><link>https://a.example.com/1</link></item></rss>")]
    [InlineData("<rss><channel><item><title>Rapidus</title><link>https://a.example.com/1</link></item></channel></rss>")]
    [InlineData("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns:rss=\"http://purl.org/rss/1.0/\"><rss:channel><rss:title>t</rss:title></rss:channel><rss:item><rss:title>Rapidus</rss:title><rss:link>https://a.example.com/1</rss:link></rss:item></rdf:RDF>")]
    [InlineData("<a:feed xmlns:a=\"http://www.w3.org/2005/Atom\"><a:title>t</a:title><a:entry><a:title>Rapidus</a:title><a:link href=\"https://a.example.com/1\"/></a:entry></a:feed>")]
    public void Parse_PrefixedRootsAndRssWithoutAChannel_AreRead(string feed)
    {
        var item = Assert.Single(FeedParser.Parse("test", Encoding.UTF8.GetBytes(feed), null, FeedUrl));

        Assert.Equal(("Rapidus", "https://a.example.com/1"), (item.Title, item.Link));
    }

    [Fact]
    public void Parse_Rss091WithTheNetscapeDoctype_IsReadAndItsEntitiesMended()
    {
        var rss = """
            <?xml version="1.0" encoding="ISO-8859-1"?>
            <!-- an RSS 0.91 feed as Netscape published them -->
            <!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
                        "http://my.netscape.com/publish/formats/rss-0.91.dtd">
            <rss version="0.91"><channel><title>t</title><language>en</language>
            <item><title>Micron&nbsp;&eacute;dition</title><link>https://a.example.com/1</link></item></channel></rss>
            """;

        var parsed = FeedParser.ParseFeed("test", Encoding.Latin1.GetBytes(rss), null, FeedUrl);

        Assert.Equal("Micron \u00E9dition", Assert.Single(parsed.Items).Title);
        Assert.Equal("2 undeclared entities", parsed.Repairs);
    }

    [Theory]
    [InlineData("<!DOCTYPE rss PUBLIC \"-//x//EN\" \"http://127.0.0.1:9/x.dtd\" [ <!ENTITY a \"b\"> ]>", "dtd-external")]
    [InlineData("<!DOCTYPE rss [ <!ELEMENT rss ANY> ]>", "dtd-refused")]
    public void Parse_ADoctypeWithAnInternalSubset_StaysRefused(string doctype, string code)
    {
        var rss = doctype + "<rss version=\"2.0\"><channel><title>t</title><item><title>Micron</title></item></channel></rss>";

        Assert.Equal(code, Assert.Throws<FeedException>(() => FeedParser.Parse("test", Encoding.UTF8.GetBytes(rss), null, FeedUrl)).Code);
    }

    [Fact]
    public void Parse_AtomXhtmlContent_KeepsTheSpaceBetweenInlineElements()
    {
        var atom = """<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>x</title><id>1</id><updated>2025-01-01T00:00:00Z</updated><summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><b>Rapidus</b> <i>starts</i> <a href="/x">2nm</a></div></summary></entry></feed>""";

        Assert.Equal("Rapidus starts 2nm", Assert.Single(FeedParser.Parse("test", Encoding.UTF8.GetBytes(atom), null, FeedUrl)).Summary);
    }

    [Theory]
    [InlineData("https://jsonfeed.org/version/1")]
    [InlineData("https://jsonfeed.org/version/1.1")]
    public void Parse_JsonFeed_MapsItsItems(string version)
    {
        var json = $$"""
            { "version": "{{version}}", "title": "Chip wire", "language": "en",
              "items": [
                { "id": "1", "url": "/story/1", "title": "Rapidus &amp; IBM <b>2nm</b>", "summary": "Pilot line.", "content_html": "<p>Longer</p>", "date_published": "2025-07-18T03:00:00Z" },
                { "id": 2, "external_url": "https://other.example.com/2", "content_html": "<p>Micron <b>HBM</b> ramps</p>", "date_modified": "2025-07-18T04:00:00+09:00" },
                { "id": "3", "content_text": "Plain <text> stays", "url": "javascript:alert(1)" },
                "not an item"
              ] }
            """;

        var parsed = FeedParser.ParseFeed("test", Encoding.UTF8.GetBytes(json), null, FeedUrl);

        Assert.Equal("Chip wire", parsed.Title);
        Assert.Equal(3, parsed.Items.Count);
        Assert.Equal(("Rapidus & IBM <b>2nm</b>", "Pilot line.", "https://wire.example.com/story/1"), (parsed.Items[0].Title, parsed.Items[0].Summary, parsed.Items[0].Link));
        Assert.Equal(new DateTimeOffset(2025, 7, 18, 3, 0, 0, TimeSpan.Zero), parsed.Items[0].Published);
        Assert.Equal(("", "Micron HBM ramps", "https://other.example.com/2"), (parsed.Items[1].Title, parsed.Items[1].Summary, parsed.Items[1].Link));
        Assert.Equal(new DateTimeOffset(2025, 7, 17, 19, 0, 0, TimeSpan.Zero), parsed.Items[1].Published);
        Assert.Equal(("Plain <text> stays", null), (parsed.Items[2].Summary, parsed.Items[2].Link));
        Assert.Equal(3, parsed.Items.Select(i => i.Key).Distinct().Count());
    }

    [Theory]
    [InlineData("{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": [ {\"id\": \"1\", ", "malformed-json")]
    [InlineData("{\"version\": \"https://jsonfeed.org/version/1.1\", \"title\": \"no items\"}", "not-a-feed")]
    [InlineData("{\"items\": []}", "json-body")]
    [InlineData("[1, 2]", "json-body")]
    public void Parse_JsonThatIsNotAJsonFeed_IsRefusedWithCode(string json, string code)
    {
        Assert.Equal(code, Assert.Throws<FeedException>(() => FeedParser.Parse("test", Encoding.UTF8.GetBytes(json), null, FeedUrl)).Code);
    }

    [Fact]
    public void Parse_EmptyBody_IsEmptyError()
    {
        var error = Assert.Throws<FeedException>(() => FeedParser.Parse("test", [], null, FeedUrl));

        Assert.Equal("empty", error.Code);
        Assert.Equal("the body is empty.", error.Message);
    }

    [Fact]
    public void Parse_200000DeepNesting_RefusedQuicklyWithoutRecursion()
    {
        const int depth = 200_000;
        var document = new StringBuilder("<rss version=\"2.0\"><channel>");
        for (var i = 0; i < depth; i++)
        {
            document.Append("<x>");
        }

        var stopwatch = Stopwatch.StartNew();
        var error = Assert.Throws<FeedException>(() => FeedParser.Parse("deep", Encoding.UTF8.GetBytes(document.ToString()), null, FeedUrl));

        Assert.Equal("too-deep", error.Code);
        Assert.Equal("elements nest deeper than 64 levels; no real feed does.", error.Message);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
    }
}
