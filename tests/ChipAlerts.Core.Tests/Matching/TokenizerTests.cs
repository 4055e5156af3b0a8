using ChipAlerts.Core.Matching;

namespace ChipAlerts.Core.Tests.Matching;

public sealed class TokenizerTests
{
    [Theory]
    [InlineData("Micron's AI-driven plan", "Micron|s|AI|driven|plan")]
    [InlineData("MU.O rose 3.5%", "MU|O|rose|3|5")]
    [InlineData("新ラピダス社", "新|ラ|ピ|ダ|ス|社")]
    [InlineData("café naïve", "café|naïve")]
    [InlineData("", "")]
    public void Tokenize_SplitsWords(string text, string expected)
    {
        var words = Tokenizer.Tokenize(text).Select(t => text.Substring(t.Start, t.Length));

        Assert.Equal(expected, string.Join('|', words));
    }
}
