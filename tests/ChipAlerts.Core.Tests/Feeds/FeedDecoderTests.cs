using System.Text;
using ChipAlerts.Core.Feeds;

namespace ChipAlerts.Core.Tests.Feeds;

/// <summary>Bytes as publishers send them: undeclared legacy encodings, WHATWG labels, UTF-32.</summary>
public sealed class FeedDecoderTests
{
    static FeedDecoderTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private static readonly Uri FeedUrl = new("https://wire.example.com/feed.xml");

    /// <summary>Headlines in the feed's language, several, as a real feed has: a detector needs more than one line.</summary>
    public static TheoryData<string, string[]> Undeclared => new()
    {
        { "koi8-r", ["Микрон объявил о строительстве нового завода памяти", "Правительство ужесточает экспортный контроль над чипами", "Квантовые компьютеры выходят из лабораторий", "Рынок полупроводников растёт третий квартал подряд"] },
        { "windows-1251", ["Микрон объявил о строительстве нового завода памяти", "Правительство ужесточает экспортный контроль над чипами", "Квантовые компьютеры выходят из лабораторий", "Рынок полупроводников растёт третий квартал подряд"] },
        { "shift_jis", ["ラピダスが千歳で２ナノ半導体の試作ラインを稼働", "マイクロンが広島工場に新たな投資を発表", "政府は半導体の輸出管理を強化する方針を示した", "量子コンピューターの実用化に向けた研究が進む"] },
        { "euc-jp", ["ラピダスが千歳で２ナノ半導体の試作ラインを稼働", "マイクロンが広島工場に新たな投資を発表", "政府は半導体の輸出管理を強化する方針を示した", "量子コンピューターの実用化に向けた研究が進む"] },
        { "big5", ["美光宣布在台灣擴大記憶體投資計畫", "美國商務部將多家中國企業列入實體清單", "台積電亞利桑那州新廠開始量產晶片", "量子電腦研究取得新的重要進展"] },
        { "gb2312", ["美光宣布扩大存储芯片投资计划", "美国商务部将多家中国企业列入实体清单", "台积电亚利桑那州新厂开始量产芯片", "量子计算机研究取得新的重要进展"] },
    };

    private static byte[] Feed(Encoding encoding, IEnumerable<string> titles, string? declaration = null) => encoding.GetBytes(
        $"<?xml version=\"1.0\"{(declaration is null ? "" : $" encoding=\"{declaration}\"")}?><rss version=\"2.0\"><channel><title>t</title>"
        + string.Concat(titles.Select((t, i) => $"<item><title>{t}</title><guid>{i}</guid></item>"))
        + "</channel></rss>");

    [Theory]
    [MemberData(nameof(Undeclared))]
    public void AFeedInALegacyEncoding_WithNoCharsetAnywhere_IsDetected_NotReadAsMojibake(string charset, string[] titles)
    {
        var items = FeedParser.Parse("t", Feed(Encoding.GetEncoding(charset), titles), null, FeedUrl);

        Assert.Equal(titles, items.Select(i => i.Title));
    }

    [Theory]
    [InlineData("ISO-8859-1")]
    [InlineData("latin1")]
    [InlineData("us-ascii")]
    public void ALatin1Label_IsReadAsWindows1252_AsBrowsersDo_SoEuroAndCurlyQuotesSurvive(string label)
    {
        var bytes = Feed(Encoding.GetEncoding(1252), ["€5bn for “Rapidus” – a first"], declaration: label);

        Assert.Equal("€5bn for “Rapidus” – a first", Assert.Single(FeedParser.Parse("t", bytes, null, FeedUrl)).Title);
        Assert.Equal("€5bn for “Rapidus” – a first", Assert.Single(FeedParser.Parse("t", Feed(Encoding.GetEncoding(1252), ["€5bn for “Rapidus” – a first"]), label, FeedUrl)).Title);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void UTF32_WithOrWithoutAMark_IsRecognised(bool bigEndian, bool mark)
    {
        var encoding = new UTF32Encoding(bigEndian, byteOrderMark: mark);
        var bytes = encoding.GetPreamble().Concat(Feed(encoding, ["Rapidus 2nm ラピダス"])).ToArray();

        Assert.Equal("Rapidus 2nm ラピダス", Assert.Single(FeedParser.Parse("t", bytes, null, FeedUrl)).Title);
    }

    [Fact]
    public void Windows1252QuotesWrittenAsNumericReferences_AreTheQuotes_NotSpaces()
    {
        Assert.Equal("Micron’s “HBM” plan", TextNormalizer.ToPlainText("Micron&#146;s &#147;HBM&#148; plan", 100));
    }
}
