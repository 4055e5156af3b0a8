using System.Text.RegularExpressions;

namespace ChipAlerts.Core.Matching;

// The parsed form of a watch-list query. See QueryParser for the syntax.

public abstract record QueryNode;

/// <summary>A word or a phrase, with its marks.</summary>
public sealed record TermNode(QueryTerm Term) : QueryNode;

/// <summary>The escape hatch: a .NET regular expression run over each field, with a timeout.</summary>
public sealed record RegexNode(string Pattern, Regex Regex) : QueryNode;

/// <summary>Some term of <see cref="Left"/> within <see cref="Distance"/> words of some term of <see cref="Right"/>, in either order, in one field.</summary>
public sealed record NearNode(IReadOnlyList<QueryTerm> Left, IReadOnlyList<QueryTerm> Right, int Distance) : QueryNode;

public sealed record AndNode(IReadOnlyList<QueryNode> Children) : QueryNode;

public sealed record OrNode(IReadOnlyList<QueryNode> Children) : QueryNode;

public sealed record NotNode(QueryNode Child) : QueryNode;

/// <summary>
/// A term as written: its words (NFKC), what joins them, and its marks. A word is a run of letters
/// and digits (see <see cref="Tokenizer"/>). <see cref="Glue"/> holds what stands between two words:
/// null where the query has spaces or hyphens there (the text may then have any run of spaces and
/// hyphens: "export control" finds "export-control"), else the exact characters the text must have
/// ("." in "MU.O", "" between the characters of "ラピダス"). <see cref="Prefix"/> and
/// <see cref="Suffix"/> are symbols the text must have right before and after ("$" in "$MU").
/// </summary>
public sealed record QueryTerm(
    string Text,
    IReadOnlyList<string> Words,
    IReadOnlyList<string?> Glue,
    string Prefix,
    string Suffix,
    bool CaseSensitive,
    bool Inflect);

/// <summary>A query that cannot be compiled: where (0-based character) and what is wrong.</summary>
public sealed class QueryException(int position, string reason) : Exception(reason)
{
    public int Position { get; } = position;
    public string Reason { get; } = reason;
}
