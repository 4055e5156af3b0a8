using ChipAlerts.Core.Feeds;

namespace ChipAlerts.Core.Tests.Feeds;

public sealed class TextNormalizerTests
{
    [Theory]
    [InlineData("<p>one</p><p>two</p>", "one two")]
    [InlineData("a &lt;b&gt;bold&lt;/b&gt; c", "a bold c")]
    [InlineData("Tom &amp; Jerry", "Tom & Jerry")]
    [InlineData("x<script>evil()</script>y", "x y")]
    [InlineData("<!-- hidden -->shown", "shown")]
    [InlineData("  lots\n\tof \r\n space  ", "lots of space")]
    [InlineData("Ｍｉｃｒｏｎ　ｆｕｌｌ", "Micron full")]
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
