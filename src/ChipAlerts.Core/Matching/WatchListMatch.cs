namespace ChipAlerts.Core.Matching;

/// <summary>An item matched a watch-list; the evidence says why.</summary>
public sealed record WatchListMatch
{
    public required string WatchList { get; init; }
    public required IReadOnlyList<MatchEvidence> Evidence { get; init; }

    /// <summary>Each distinct term found adds its field's weight (title 3, summary 1 by default).</summary>
    public int Score { get; init; }

    /// <summary>Why, where there is no text evidence: an operator alert says what happened to the feed.</summary>
    public string? Reason { get; init; }

    /// <summary>"Rapidus in title; export controls in summary": what the text says, where (or the <see cref="Reason"/>).</summary>
    public string Explain() => Evidence.Count == 0 && Reason is not null
        ? Reason
        : string.Join("; ", Evidence.Select(e => $"{e.Matched} in {e.Field}").Distinct());
}

/// <summary>
/// One hit: <see cref="Start"/> and <see cref="Length"/> index into the item's field;
/// <see cref="Snippet"/> is the text around it, starting at <see cref="SnippetStart"/> of the field.
/// </summary>
public sealed record MatchEvidence(string Term, string Field, int Start, int Length, string Snippet, int SnippetStart)
{
    public const string Title = "title";
    public const string Summary = "summary";
    public const string Source = "source";

    public int StartInSnippet => Start - SnippetStart;

    /// <summary>The text the term matched, as the item wrote it ("export controls" for export control~).</summary>
    public string Matched => Snippet.Substring(StartInSnippet, Length);
}
