using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ChipAlerts.Core.Matching;

/// <summary>
/// Parses the watch-list query syntax, the one search engines taught everyone:
/// <code>
/// Rapidus OR ラピダス                    either word
/// chip subsidies                        both words (implicit AND; AND may be written)
/// "export control"~                     a phrase; ~ adds plural and inflected forms of its last word
/// =AI                                   case-sensitive: AI, not "ai", "said" or "Haiti"
/// Micron -"0.3 micron"                  - excludes
/// (Micron OR 美光) (HBM OR DRAM)        parentheses group
/// Japan NEAR/5 chips                    within 5 words of each other, either order
/// /\bMU\.O\b/                           a regular expression (add i for ignoring case), run with a timeout
/// </code>
/// Precedence, tightest first: <c>-</c>, <c>NEAR/n</c>, AND, OR. Keywords are upper case; "or" is a word.
/// </summary>
public static class QueryParser
{
    public const int DefaultNearDistance = 10;

    /// <summary>The longest query, in characters, and the deepest nesting of parentheses and exclusions.</summary>
    public const int MaxLength = 10_000;

    public const int MaxDepth = 50;

    /// <summary>How long one regular expression may run on one field before it counts as no match.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);

    public static QueryNode Parse(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (string.IsNullOrWhiteSpace(query))
        {
            throw new QueryException(0, "empty: write at least one word, e.g. \"Rapidus OR ラピダス\".");
        }

        if (query.Length > MaxLength)
        {
            throw new QueryException(MaxLength, $"longer than {MaxLength:N0} characters; split it into several watch-lists.");
        }

        var parser = new Parser(query);
        var root = parser.ParseOr();
        var next = parser.Peek();
        if (next.Kind == Kind.RParen)
        {
            throw new QueryException(next.Position, "unbalanced parenthesis: this ')' closes nothing; remove it or add a '(' before it.");
        }

        if (!HasPositiveTerm(root, positive: true))
        {
            throw new QueryException(0, "every term is excluded with '-': say what to look for, e.g. \"chip -potato\".");
        }

        if (Evaluate(root))
        {
            throw new QueryException(0, "this query matches items that contain none of its terms (an OR with an excluded branch?); write what an item must contain.");
        }

        return root;
    }

    private static bool HasPositiveTerm(QueryNode node, bool positive) => node switch
    {
        NotNode not => HasPositiveTerm(not.Child, !positive),
        AndNode and => and.Children.Any(c => HasPositiveTerm(c, positive)),
        OrNode any => any.Children.Any(c => HasPositiveTerm(c, positive)),
        _ => positive,
    };

    // The value with no term present: must be false, or the query matches every item.
    private static bool Evaluate(QueryNode node) => node switch
    {
        NotNode not => !Evaluate(not.Child),
        AndNode and => and.Children.All(Evaluate),
        OrNode any => any.Children.Any(Evaluate),
        _ => false,
    };

    private enum Kind
    {
        End,
        LParen,
        RParen,
        Or,
        And,
        Near,
        Minus,
        Term,
        Regex,
    }

    private readonly record struct Lexeme(Kind Kind, int Position, QueryNode? Node = null, int Distance = 0);

    private sealed class Parser(string query)
    {
        private int at;
        private int depth;
        private Lexeme? peeked;

        public Lexeme Peek() => peeked ??= Lex();

        private Lexeme Next()
        {
            var next = Peek();
            peeked = null;
            return next;
        }

        public QueryNode ParseOr()
        {
            if (Peek() is { Kind: Kind.Or } orFirst)
            {
                throw new QueryException(orFirst.Position, "empty OR branch: nothing before this OR; write a term on both sides.");
            }

            var branches = new List<QueryNode> { ParseAnd() };
            while (Peek().Kind == Kind.Or)
            {
                var or = Next();
                if (Peek().Kind is Kind.End or Kind.RParen or Kind.Or)
                {
                    throw new QueryException(or.Position, "empty OR branch: nothing after this OR; write a term on both sides.");
                }

                branches.Add(ParseAnd());
            }

            return branches.Count == 1 ? branches[0] : new OrNode(branches);
        }

        private QueryNode ParseAnd()
        {
            var parts = new List<QueryNode> { ParseNear() };
            while (Peek().Kind is not (Kind.End or Kind.RParen or Kind.Or))
            {
                if (Peek().Kind == Kind.And)
                {
                    var and = Next();
                    if (Peek().Kind is Kind.End or Kind.RParen or Kind.Or or Kind.And)
                    {
                        throw new QueryException(and.Position, "nothing after this AND; write a term on both sides.");
                    }
                }

                parts.Add(ParseNear());
            }

            return parts.Count == 1 ? parts[0] : new AndNode(parts);
        }

        private QueryNode ParseNear()
        {
            var left = ParseUnary();
            while (Peek().Kind == Kind.Near)
            {
                var near = Next();
                if (Peek().Kind is Kind.End or Kind.RParen or Kind.Or or Kind.And or Kind.Near)
                {
                    throw new QueryException(near.Position, "nothing after this NEAR; write a word or phrase on both sides.");
                }

                var right = ParseUnary();
                left = new NearNode(Operand(left, near.Position), Operand(right, near.Position), near.Distance);
            }

            return left;
        }

        private static List<QueryTerm> Operand(QueryNode node, int position) => node switch
        {
            TermNode term => [term.Term],
            OrNode branches when branches.Children.All(c => c is TermNode) => [.. branches.Children.Cast<TermNode>().Select(t => t.Term)],
            _ => throw new QueryException(position,
                "NEAR joins words or phrases, or an OR of them in parentheses, e.g. (Japan OR Tokyo) NEAR/5 chips; not an exclusion, a regular expression or another NEAR."),
        };

        // Parsing, compiling and evaluating recurse once per level: bounded, a hostile query cannot overflow the stack.
        private void Enter(int position)
        {
            if (++depth > MaxDepth)
            {
                throw new QueryException(position, $"nested deeper than {MaxDepth} levels of parentheses and exclusions; simplify the query.");
            }
        }

        private QueryNode ParseUnary()
        {
            if (Peek().Kind == Kind.Minus)
            {
                var minus = Next();
                Enter(minus.Position);
                var excluded = new NotNode(ParseUnary());
                depth--;
                return excluded;
            }

            return ParsePrimary();
        }

        private QueryNode ParsePrimary()
        {
            var next = Next();
            switch (next.Kind)
            {
                case Kind.Term or Kind.Regex:
                    return next.Node!;
                case Kind.LParen:
                    Enter(next.Position);
                    if (Peek().Kind == Kind.RParen)
                    {
                        throw new QueryException(next.Position, "empty parentheses; put a term inside or remove them.");
                    }

                    var inner = ParseOr();
                    if (Next().Kind != Kind.RParen)
                    {
                        throw new QueryException(next.Position, "unbalanced parenthesis: this '(' is never closed; add a ')'.");
                    }

                    depth--;
                    return inner;
                case Kind.RParen:
                    throw new QueryException(next.Position, "unbalanced parenthesis: this ')' closes nothing; remove it or add a '(' before it.");
                case Kind.Or:
                    throw new QueryException(next.Position, "empty OR branch: nothing before this OR; write a term on both sides.");
                case Kind.And or Kind.Near:
                    throw new QueryException(next.Position, $"nothing before this {query[next.Position..].Split(' ')[0]}; write a term on both sides.");
                default:
                    throw new QueryException(next.Position, "the query ends where a term is expected.");
            }
        }

        private Lexeme Lex()
        {
            while (at < query.Length && char.IsWhiteSpace(query[at]))
            {
                at++;
            }

            if (at == query.Length)
            {
                return new(Kind.End, at);
            }

            var start = at;
            switch (query[at])
            {
                case '(':
                    at++;
                    return new(Kind.LParen, start);
                case ')':
                    at++;
                    return new(Kind.RParen, start);
                case '-':
                    at++;
                    if (at == query.Length || char.IsWhiteSpace(query[at]) || query[at] == ')')
                    {
                        throw new QueryException(start, "a '-' must be followed, without a space, by the term it excludes: -\"potato chip\".");
                    }

                    return new(Kind.Minus, start);
                case '/':
                    return LexRegex();
            }

            var caseSensitive = false;
            if (query[at] == '=')
            {
                caseSensitive = true;
                at++;
                if (at == query.Length || char.IsWhiteSpace(query[at]) || query[at] is '(' or ')')
                {
                    throw new QueryException(start, "a '=' must be followed, without a space, by the word or phrase to match with exact case: =AI.");
                }
            }

            string text;
            if (query[at] == '"')
            {
                var close = query.IndexOf('"', at + 1);
                if (close < 0)
                {
                    throw new QueryException(at, "unbalanced quote: the phrase that starts here is never closed; add a closing \".");
                }

                text = query[(at + 1)..close];
                at = close + 1;
            }
            else
            {
                while (at < query.Length && !char.IsWhiteSpace(query[at]) && query[at] is not ('(' or ')' or '"'))
                {
                    at++;
                }

                text = query[start..at];
                if (!caseSensitive)
                {
                    switch (text)
                    {
                        case "OR":
                            return new(Kind.Or, start);
                        case "AND":
                            return new(Kind.And, start);
                        case "NEAR":
                            return new(Kind.Near, start, Distance: DefaultNearDistance);
                    }

                    if (text.StartsWith("NEAR/", StringComparison.Ordinal))
                    {
                        return int.TryParse(text.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var distance) && distance is >= 0 and <= 1000
                            ? new(Kind.Near, start, Distance: distance)
                            : throw new QueryException(start, $"'{text}': NEAR takes a distance in words from 0 to 1000, e.g. NEAR/5.");
                    }
                }
                else
                {
                    text = text[1..];
                }
            }

            var inflect = false;
            if (at < query.Length && query[at] == '~')
            {
                inflect = true;
                at++;
            }
            else if (text.EndsWith('~') && text.Length > 1)
            {
                inflect = true;
                text = text[..^1];
            }

            return new(Kind.Term, start, new TermNode(Term(text, caseSensitive, inflect, start)));
        }

        private Lexeme LexRegex()
        {
            var start = at;
            var end = at + 1;
            while (end < query.Length && query[end] != '/')
            {
                end += query[end] == '\\' ? 2 : 1;
            }

            if (end >= query.Length)
            {
                throw new QueryException(start, "unterminated regular expression: add the closing '/'.");
            }

            var pattern = query[(start + 1)..end];
            at = end + 1;
            var options = RegexOptions.CultureInvariant;
            while (at < query.Length && char.IsAsciiLetter(query[at]))
            {
                options |= query[at] == 'i'
                    ? RegexOptions.IgnoreCase
                    : throw new QueryException(at, $"unknown regular expression flag '{query[at]}'; the only flag is i (ignore case).");
                at++;
            }

            if (pattern.Length == 0)
            {
                throw new QueryException(start, "empty regular expression.");
            }

            try
            {
                return new(Kind.Regex, start, new RegexNode(pattern, new Regex(pattern, options, RegexTimeout)));
            }
            catch (ArgumentException e)
            {
                throw new QueryException(start, $"the regular expression does not compile: {e.Message}");
            }
        }
    }

    /// <summary>Splits a term into words, with what joins them and the symbols around them.</summary>
    public static QueryTerm Term(string text, bool caseSensitive = false, bool inflect = false, int position = 0)
    {
        var normalized = text.Normalize(NormalizationForm.FormKC);
        var tokens = Tokenizer.Tokenize(normalized);
        if (tokens.Count == 0)
        {
            throw new QueryException(position, $"'{text}' has no letter or digit to match; write a word.");
        }

        var words = new string[tokens.Count];
        var glue = new string?[tokens.Count - 1];
        for (var i = 0; i < tokens.Count; i++)
        {
            words[i] = normalized.Substring(tokens[i].Start, tokens[i].Length);
            if (i > 0)
            {
                var between = normalized[tokens[i - 1].End..tokens[i].Start];
                glue[i - 1] = between.Length > 0 && Tokenizer.IsFlexibleSeparator(between) ? null : between;
            }
        }

        return new QueryTerm(text, words, glue, normalized[..tokens[0].Start], normalized[tokens[^1].End..], caseSensitive, inflect);
    }
}
