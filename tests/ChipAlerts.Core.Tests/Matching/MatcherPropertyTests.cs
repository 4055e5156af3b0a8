using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Matching;

namespace ChipAlerts.Core.Tests.Matching;

/// <summary>For random texts and random rule sets, the engine finds exactly what the reference finds.</summary>
public sealed class MatcherPropertyTests
{
    private static readonly string[] Vocabulary =
    [
        "chip", "chips", "Chip", "CHIP", "export", "controls", "control", "controlled", "AI", "ai", "said", "Rapidus", "rapidus",
        "Rapidús", "RAPIDÚS", "Micron", "micron", "MU", "O", "japan", "Japan", "ban", "banned", "banning", "bans", "quantum", "leap",
        "qubit", "qubits", "Zürich", "zurich", "ラ", "ピ", "ダ", "ス", "美", "光", "2nm", "HBM", "subsidy", "subsidies", "Subsidised",
        "exports", "exporter", "Quantum", "quantumscape",
    ];

    private static readonly string[] Separators = [" ", " ", " ", " ", "-", ", ", ".", "'s ", " $", "", " – "];

    [Fact]
    public void Match_RandomRulesAndTexts_EqualsTheReference()
    {
        var checkedItems = 0;
        var matched = 0;
        for (var seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            var lists = Enumerable.Range(0, random.Next(1, 6)).Select(_ => ValidQuery(random)).ToList();
            var minScores = lists.Select(_ => random.Next(1, 5)).ToList();
            var across = lists.Select(_ => random.Next(3) == 0).ToList();
            var configs = lists.Select((q, i) => new WatchListConfig { Name = $"L{i}", Query = ReferenceMatcher.Render(q), MinScore = minScores[i], NearAcrossFields = across[i] }).ToList();
            var engine = new WatchListMatcher(configs);
            for (var n = 0; n < 20; n++)
            {
                var title = Text(random, random.Next(0, 8));
                var summary = Text(random, random.Next(0, 30));
                var source = Text(random, random.Next(0, 3)).Replace(' ', '.');
                var got = engine.Match(title, summary, source).ToDictionary(m => m.WatchList);
                for (var i = 0; i < lists.Count; i++)
                {
                    var want = ReferenceMatcher.Match(lists[i], title, summary, minScores[i], source: source, nearAcrossFields: across[i]);
                    var context = $"seed {seed}, query {configs[i].Query}, min {minScores[i]}, across {across[i]}\n title «{title}»\n summary «{summary}»\n source «{source}»";
                    if (want is null)
                    {
                        Assert.False(got.ContainsKey(configs[i].Name), $"engine matched, reference did not: {context}");
                        continue;
                    }

                    Assert.True(got.TryGetValue(configs[i].Name, out var match), $"reference matched, engine did not: {context}");
                    Assert.Equal(
                        want.Select(w => $"{w.Field switch { 0 => "title", 1 => "summary", _ => "source" }}@{w.Start}+{w.Length}:{w.Term}"),
                        match.Evidence.Select(e => $"{e.Field}@{e.Start}+{e.Length}:{e.Term}"));
                    matched++;
                }

                checkedItems++;
            }
        }

        // The generator must produce matches as well as misses, or the property says little.
        Assert.True(matched > checkedItems / 4, $"{matched} matches in {checkedItems} items");
    }

    private static RNode ValidQuery(Random random)
    {
        while (true)
        {
            var query = Node(random, depth: 0);
            if (ReferenceMatcher.IsValid(query))
            {
                return query;
            }
        }
    }

    private static RNode Node(Random random, int depth)
    {
        var pick = depth >= 3 ? 0 : random.Next(11);
        return pick switch
        {
            < 4 => Term(random),
            < 6 => new ROr([.. Enumerable.Range(0, random.Next(2, 4)).Select(_ => Node(random, depth + 1))]),
            < 8 => new RAnd([.. Enumerable.Range(0, random.Next(2, 4)).Select(_ => Node(random, depth + 1))]),
            8 => new RNot(Node(random, depth + 1)),
            9 => new RNear(Term(random), Term(random), random.Next(0, 6)),
            _ => Except(random),
        };
    }

    // The excepted term usually contains the term, as in =AI EXCEPT "Quantum AI", so that the exception bites.
    private static RExcept Except(Random random)
    {
        var term = Term(random, scoped: false);
        if (random.Next(3) == 0)
        {
            return new RExcept(term, Term(random, scoped: false));
        }

        var word = Vocabulary[random.Next(Vocabulary.Length)];
        var excepted = random.Next(2) == 0 ? $"{word} {term.Text}" : $"{term.Text} {word}";
        return new RExcept(term, new RTerm(excepted.TrimStart('$'), false, false));
    }

    private static RTerm Term(Random random, bool scoped = true)
    {
        var words = Enumerable.Range(0, random.Next(10) < 7 ? 1 : random.Next(2, 4)).Select(_ => Vocabulary[random.Next(Vocabulary.Length)]).ToList();
        var text = words[0];
        foreach (var word in words.Skip(1))
        {
            text += new[] { " ", "-", ".", " " }[random.Next(4)] + word;
        }

        if (random.Next(10) == 0)
        {
            text = "$" + text;
        }

        // Marks on some words: forms (~) or a prefix (*) of three letters or more, the word cut there.
        char[]? marks = null;
        if (random.Next(3) == 0)
        {
            marks = new char[words.Count];
            for (var k = 0; k < words.Count; k++)
            {
                var word = words[k];
                marks[k] = random.Next(3) switch
                {
                    0 when word.All(char.IsAsciiLetter) => '~',
                    1 when word.Length >= 3 && !Tokenizer.IsCjk(word[0]) => '*',
                    _ => '\0',
                };
                if (marks[k] == '*')
                {
                    var cut = word[..random.Next(3, word.Length + 1)];
                    text = ReplaceWord(text, k, cut);
                }
            }
        }

        var inflect = random.Next(4) == 0 && marks?[^1] != '*';
        var field = scoped && random.Next(5) == 0 ? random.Next(3) : -1;
        return new RTerm(text, random.Next(4) == 0, inflect, marks, field);
    }

    // The text with its k-th word (as the reference splits words) replaced.
    private static string ReplaceWord(string text, int k, string word)
    {
        var words = System.Text.RegularExpressions.Regex.Matches(text, @"[\p{IsHiragana}\p{IsKatakana}\p{IsCJKUnifiedIdeographs}]|(?:(?![\p{IsHiragana}\p{IsKatakana}\p{IsCJKUnifiedIdeographs}])[\p{L}\p{N}\p{Mn}\p{Mc}])+");
        return words.Count > k ? text[..words[k].Index] + word + text[(words[k].Index + words[k].Length)..] : text;
    }

    private static string Text(Random random, int words) =>
        string.Concat(Enumerable.Range(0, words).Select(i => (i == 0 ? "" : Separators[random.Next(Separators.Length)]) + Vocabulary[random.Next(Vocabulary.Length)]));
}
