using ChipAlerts.Core.Feeds;

namespace ChipAlerts.Core.Tests.Feeds;

public sealed class TextNormalizerTests
{
    [Theory]
    [InlineData("<p>one</p><p>two</p>", "one two")]
    [InlineData("a &lt;b&gt;bold&lt;/b&gt; c", "a <b>bold</b> c")] // escaped markup is text: decoded once, kept
    [InlineData("History of the &lt;blink&gt; tag", "History of the <blink> tag")]
    [InlineData("Tom &amp; Jerry", "Tom & Jerry")]
    [InlineData("x<script>evil()</script>y", "xy")] // as a browser shows it
    [InlineData("Ra<b>pi</b>dus and <i>Micron</i>", "Rapidus and Micron")] // inline elements do not split words
    [InlineData("<ul><li>one</li><li>two</li></ul>three<br>four", "one two three four")]
    [InlineData("<img alt=\"chart > Rapidus\" src=\"a.png\"> Memory prices", "Memory prices")] // attributes are no text
    [InlineData("Rapidus: why <script> tags matter to Micron", "Rapidus: why <script> tags matter to Micron")] // no end tag: a word, not a script
    [InlineData("before <!-- never closed, after", "before <!-- never closed, after")]
    [InlineData("<div><style>p { color: red }</style>styled</div>", "styled")]
    [InlineData("<!-- hidden -->shown", "shown")]
    [InlineData("  lots\n\tof \r\n space  ", "lots of space")]
    [InlineData("Ｍｉｃｒｏｎ　ｆｕｌｌ", "Ｍｉｃｒｏｎ ｆｕｌｌ")] // as written (the matcher folds widths itself); the ideographic space is white space
    [InlineData("Cafe\u0301 \u2026 \uFF0C", "Caf\u00E9 \u2026 \uFF0C")] // NFC, not NFKC: "…" and "，" stay
    [InlineData("Micron\u0092s \u0093record\u0094 \u0096 again", "Micron\u2019s \u201Crecord\u201D \u2013 again")] // C1 controls from "&#146;" read as windows-1252
    [InlineData("zero\u200Bwidth", "zerowidth")]
    [InlineData("3 < 4 and 5 > 2", "3 < 4 and 5 > 2")]
    public void ToPlainText_Normalizes(string input, string expected)
    {
        Assert.Equal(expected, TextNormalizer.ToPlainText(input, 1000));
    }

    [Fact]
    public void ToPlainText_LongText_IsCappedWithEllipsis()
    {
        var text = TextNormalizer.ToPlainText(new string('a', 50), 10);

        Assert.Equal("aaaaaaaaa…", text);
    }
}
