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
        "qubit", "qubits", "Zürich", "zurich", "ラ", "ピ", "ダ", "ス", "美", "光", "2nm", "HBM",
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
            var configs = lists.Select((q, i) => new WatchListConfig { Name = $"L{i}", Query = ReferenceMatcher.Render(q), MinScore = minScores[i] }).ToList();
            var engine = new WatchListMatcher(configs);
            for (var n = 0; n < 20; n++)
            {
                var title = Text(random, random.Next(0, 8));
                var summary = Text(random, random.Next(0, 30));
                var got = engine.Match(title, summary).ToDictionary(m => m.WatchList);
                for (var i = 0; i < lists.Count; i++)
                {
                    var want = ReferenceMatcher.Match(lists[i], title, summary, minScores[i]);
                    var context = $"seed {seed}, query {configs[i].Query}, min {minScores[i]}\n title «{title}»\n summary «{summary}»";
                    if (want is null)
                    {
                        Assert.False(got.ContainsKey(configs[i].Name), $"engine matched, reference did not: {context}");
                        continue;
                    }

                    Assert.True(got.TryGetValue(configs[i].Name, out var match), $"reference matched, engine did not: {context}");
                    Assert.Equal(
                        want.Select(w => $"{(w.Field == 0 ? "title" : "summary")}@{w.Start}+{w.Length}:{w.Term}"),
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
        var pick = depth >= 3 ? 0 : random.Next(10);
        return pick switch
        {
            < 4 => Term(random),
            < 6 => new ROr([.. Enumerable.Range(0, random.Next(2, 4)).Select(_ => Node(random, depth + 1))]),
            < 8 => new RAnd([.. Enumerable.Range(0, random.Next(2, 4)).Select(_ => Node(random, depth + 1))]),
            8 => new RNot(Node(random, depth + 1)),
            _ => new RNear(Term(random), Term(random), random.Next(0, 6)),
        };
    }

    private static RTerm Term(Random random)
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

        return new RTerm(text, random.Next(4) == 0, random.Next(4) == 0);
    }

    private static string Text(Random random, int words) =>
        string.Concat(Enumerable.Range(0, words).Select(i => (i == 0 ? "" : Separators[random.Next(Separators.Length)]) + Vocabulary[random.Next(Vocabulary.Length)]));
}
