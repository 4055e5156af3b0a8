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

    [Fact]
    public void PrefixHashes_InOnePass_EqualEachPrefixHashedAlone()
    {
        int[] lengths = [1, 3, 4, 5, 8, 9, 12, 30];
        foreach (var word in new[] { "s", "subsidies", "semiconductors", "ラピダス", "überwachungsgesetzgebung" })
        {
            var folded = Tokenizer.Fold(word);
            var hashes = new ulong[lengths.Length];

            var count = Tokenizer.PrefixHashes(folded, lengths, hashes);

            Assert.Equal(lengths.Count(l => l <= folded.Length), count);
            Assert.Equal(lengths.Take(count).Select(l => Tokenizer.HashOfFolded(folded.AsSpan(0, l))), hashes.Take(count));
            Assert.Equal(Tokenizer.Hash(word.AsSpan(0, Math.Min(3, word.Length))), Tokenizer.HashOfFolded(Tokenizer.Fold(word.AsSpan(0, Math.Min(3, word.Length)))));
        }
    }
}
