using System.Text;
using System.Xml.Linq;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Core.Tests.Feeds;

/// <summary>
/// The one-pass reading of plain markup must equal the HTML parser's wherever it answers: on generated markup
/// (tags known and unknown, nested and misnested, attributes with '>' in quotes, references good and bad, stray
/// '&lt;' and '&amp;') and on every description and title in the fixtures. Where it declines, the parser reads it.
/// </summary>
public sealed class SimpleMarkupTests
{
    private static void AssertSameReading(string html)
    {
        if (SimpleMarkup.TryRender(html) is { } fast)
        {
            Assert.True(
                TextNormalizer.Finish(fast, 100_000) == TextNormalizer.Finish(TextNormalizer.Render(html), 100_000),
                $"'{html}': one pass read '{TextNormalizer.Finish(fast, 100_000)}', the parser '{TextNormalizer.Finish(TextNormalizer.Render(html), 100_000)}'");
        }
    }

    [Theory]
    [InlineData("<p>Rapidus &amp; IBM <b>ship</b> 2nm</p><p>wafers</p>", "Rapidus & IBM ship 2nm wafers")]
    [InlineData("Ra<b>pi</b>dus<br/>Micron", "Rapidus Micron")]
    [InlineData("<a href=\"https://x.example/?a=1&b=2\" title='a > b'>link</a> text", "link text")]
    [InlineData("a < b &#8217; &#x2019; &hellip;", "a < b ’ ’ …")]
    [InlineData("<img src=x alt=\"chart > Rapidus\">after", "after")]
    public void Reads_PlainMarkup_InOnePass(string html, string expected)
    {
        Assert.Equal(expected, TextNormalizer.Finish(SimpleMarkup.TryRender(html)!, 1000));
        AssertSameReading(html);
    }

    [Theory]
    [InlineData("<table><tr><td>a</td></tr>text</table>")] // fostered text
    [InlineData("a<!-- comment -->b")]
    [InlineData("<script>x</script>")]
    [InlineData("a</div>b")] // an end tag the parser ignores
    [InlineData("<div><li>x</div>y</li>z")] // implied closes
    [InlineData("&ampfoo &copy")] // legacy references without ';'
    [InlineData("&#0; &#x80;")]
    [InlineData("<custom-tag>x</custom-tag>")]
    [InlineData("<p title=\"unclosed>x")]
    public void Declines_WhatOnlyTheTreeBuilderKnows(string html) => Assert.Null(SimpleMarkup.TryRender(html));

    [Fact]
    public void Generated_Markup_ReadsAsTheParserReadsIt()
    {
        string[] pieces =
        [
            "Rapidus", "Micron", " ", "  ", "\n", "\t", "2nm", "a", "b", "<p>", "</p>", "<P>", "<b>", "</b>", "<i>", "</i>", "<br>", "<br/>", "</br>",
            "<div>", "</div>", "<li>", "</li>", "<ul>", "</ul>", "<a href=\"x\">", "<a href='y>z'>", "</a>", "<span class=c>", "</span>",
            "<img src=x>", "</img>", "<hr>", "<h2>", "</h2>", "<em>", "</em>", "<strong>", "</strong>", "<blockquote>", "</blockquote>",
            "&amp;", "&lt;", "&gt;", "&quot;", "&nbsp;", "&#8217;", "&#x2014;", "&hellip;", "&bogus;", "&", " & ", "<", " < ", "a<3", "<!--x-->",
            "<table>", "<td>", "<custom>", "&#146;", "&copy", "<p title = \"a>b\">", "<font color=red>", "</font>", "<wbr>", "<dd>", "<dt>",
        ];
        var random = new Random(20261202); // a fixed seed: the same cases every run
        var answered = 0;
        for (var n = 0; n < 40_000; n++)
        {
            var html = new StringBuilder();
            for (var k = random.Next(1, 14); k > 0; k--)
            {
                html.Append(pieces[random.Next(pieces.Length)]);
            }

            AssertSameReading(html.ToString());
            answered += SimpleMarkup.TryRender(html.ToString()) is null ? 0 : 1;
        }

        Assert.True(answered > 5_000, $"only {answered} of 40,000 were read in one pass: the test would prove little");
    }

    [Fact]
    public void Fixtures_EveryTitleAndDescription_ReadsAsTheParserReadsIt()
    {
        var answered = 0;
        foreach (var file in Directory.EnumerateFiles(TestPaths.Fixture(""), "*.xml", SearchOption.AllDirectories))
        {
            XDocument document;
            try
            {
                document = XDocument.Load(file);
            }
            catch (System.Xml.XmlException)
            {
                continue; // the malformed ones are fixtures of the repair pass
            }

            foreach (var text in document.Descendants().Where(e => e.Name.LocalName is "title" or "description" or "summary" or "content" or "encoded").Select(e => e.Value))
            {
                AssertSameReading(text);
                answered += SimpleMarkup.TryRender(text) is null ? 0 : 1;
            }
        }

        Assert.True(answered > 100, $"only {answered} fixture texts were read in one pass: the test would prove little");
    }
}
