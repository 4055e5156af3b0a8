using System.Text.RegularExpressions;

namespace ChipAlerts.Core.Matching;

// The parsed form of a watch-list query. See QueryParser for the syntax.

public abstract record QueryNode;

/// <summary>A word or a phrase, with its marks.</summary>
public sealed record TermNode(QueryTerm Term) : QueryNode;

/// <summary>The escape hatch: a .NET regular expression run over each field (or the one of <see cref="Scope"/>), with a timeout.</summary>
public sealed record RegexNode(string Pattern, Regex Regex, FieldScope Scope = FieldScope.Any) : QueryNode;

/// <summary>Some term of <see cref="Left"/> within <see cref="Distance"/> words of some term of <see cref="Right"/>, in either order, in one field.</summary>
public sealed record NearNode(IReadOnlyList<QueryTerm> Left, IReadOnlyList<QueryTerm> Right, int Distance) : QueryNode;

/// <summary>
/// Hit-level exclusion: a hit of <see cref="Terms"/> counts only where it does not lie inside a hit of
/// <see cref="Excepted"/> ("AI EXCEPT \"Quantum AI\"" still finds "generative AI" in the same item).
/// </summary>
public sealed record ExceptNode(IReadOnlyList<QueryTerm> Terms, IReadOnlyList<QueryTerm> Excepted) : QueryNode;

public sealed record AndNode(IReadOnlyList<QueryNode> Children) : QueryNode;

public sealed record OrNode(IReadOnlyList<QueryNode> Children) : QueryNode;

/// <summary>Whole-item exclusion (<c>-x</c>, <c>NOT x</c>): an item that has the child does not match.</summary>
public sealed record NotNode(QueryNode Child) : QueryNode;

/// <summary>How a word of a term meets the text's word: as written, in any of its simple forms (~), or as the start of it (*).</summary>
public enum WordForm
{
    Exact,
    Inflected,
    Prefix,
}

/// <summary>Where a term is looked for: title and summary (the default), one of them, or the item's source (feed id and link host).</summary>
public enum FieldScope
{
    Any,
    Title,
    Summary,
    Source,
}

/// <summary>
/// A term as written: its words (NFKC), what joins them, and its marks. A word is a run of letters
/// and digits (see <see cref="Tokenizer"/>). <see cref="Glue"/> holds what stands between two words:
/// null where the query has spaces or hyphens there (the text may then have any run of spaces and
/// hyphens: "export control" finds "export-control"), else the exact characters the text must have
/// ("." in "MU.O", "" between the characters of "ラピダス"). <see cref="Prefix"/> and
/// <see cref="Suffix"/> are symbols the text must have right before and after ("$" in "$MU").
/// <see cref="Forms"/> says, per word, whether it is matched as written, inflected (~) or as a prefix (*).
/// </summary>
public sealed record QueryTerm(
    string Text,
    IReadOnlyList<string> Words,
    IReadOnlyList<string?> Glue,
    string Prefix,
    string Suffix,
    bool CaseSensitive,
    IReadOnlyList<WordForm> Forms,
    FieldScope Scope = FieldScope.Any)
{
    /// <summary>True when any word is marked ~.</summary>
    public bool Inflects => Forms.Contains(WordForm.Inflected);
}

/// <summary>A query that cannot be compiled: where (0-based character) and what is wrong.</summary>
public sealed class QueryException(int position, string reason) : Exception(reason)
{
    public int Position { get; } = position;
    public string Reason { get; } = reason;
}

/// <summary>A query that compiles but probably does not say what its writer meant: where (0-based character) and why.</summary>
public sealed record QueryWarning(int Position, string Message);
