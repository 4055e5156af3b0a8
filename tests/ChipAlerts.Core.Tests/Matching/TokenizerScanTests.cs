using ChipAlerts.Core.Matching;

namespace ChipAlerts.Core.Tests.Matching;

/// <summary>The fast scan (bit masks over 64-character blocks, word hashes) agrees with the plain tokenizer and hash.</summary>
public sealed class TokenizerScanTests
{
    private static readonly string[] Pieces =
        ["Rapidus", "2nm", "AI", "export", "x", "", " ", "  ", "-", ", ", ".", "ラピダス", "美光", "Nishímura", "Rapidu\u0301s", "ＡＩ", "\u00A0", "Łódź",
         "supercalifragilisticexpialidocioussupercalifragilisticexpialidocious", "\t", "'s", "$", "—", "폴더", "\u2019", "\u201C", "\u2014", "\u206F", "\u2070", "é"];

    [Fact]
    public void Scan_RandomTexts_EqualsTokenizeAndHash()
    {
        var tokens = new Token[4];
        var hashes = new ulong[4];
        for (var seed = 0; seed < 2_000; seed++)
        {
            var random = new Random(seed);
            var text = string.Concat(Enumerable.Range(0, random.Next(0, 80)).Select(_ => Pieces[random.Next(Pieces.Length)]));

            var count = Tokenizer.Scan(text, ref tokens, ref hashes);

            var expected = Tokenizer.Tokenize(text);
            Assert.Equal(expected, tokens.Take(count));
            Assert.Equal(expected.Select(t => Tokenizer.Hash(text.AsSpan(t.Start, t.Length))), hashes.Take(count));
        }
    }

    [Theory]
    [InlineData("Rapidus", "RAPIDUS")]
    [InlineData("Nishimura", "Nishímura")]
    [InlineData("ai", "AI")]
    [InlineData("2nm", "2NM")]
    public void Hash_FoldedForms_AreEqual(string a, string b)
    {
        Assert.Equal(Tokenizer.Hash(a), Tokenizer.Hash(b));
        Assert.NotEqual(Tokenizer.Hash(a), Tokenizer.Hash(a + "s"));
    }
}
