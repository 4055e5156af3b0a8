using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Matching;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Core.Tests.Matching;

/// <summary>The table-driven corpus in Fixtures/matching-corpus.tsv: one query, one item, the exact evidence.</summary>
public sealed class MatchingCorpusTests
{
    public static TheoryData<int, string, string, string, string> Cases()
    {
        var data = new TheoryData<int, string, string, string, string>();
        var lines = File.ReadAllLines(TestPaths.Fixture("matching-corpus.tsv"));
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0 || lines[i].StartsWith('#'))
            {
                continue;
            }

            var parts = lines[i].Split('\t');
            data.Add(i + 1, parts[0], parts[1], parts[2], parts[3]);
        }

        return data;
    }

    [Fact]
    public void Corpus_HasAtLeast150Cases()
    {
        Assert.True(Cases().Count >= 150, $"{Cases().Count} cases");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Corpus_Case_GivesExactlyTheExpectedEvidence(int line, string query, string title, string summary, string expected)
    {
        if (summary.StartsWith("html:", StringComparison.Ordinal))
        {
            summary = TextNormalizer.ToPlainText(summary[5..], 10_000);
        }

        var matcher = new WatchListMatcher([new WatchListConfig { Name = "L", Query = query }]);

        var matches = matcher.Match(new FeedItem { FeedId = "f", Key = "k", Title = title, Summary = summary });

        var got = matches.Count == 0
            ? "-"
            : string.Join("; ", Assert.Single(matches).Evidence.Select(e => $"{e.Field[0]}@{e.Start}:{e.Matched}"));
        Assert.True(expected == got, $"line {line}: {query}\n want {expected}\n got  {got}");
    }
}
