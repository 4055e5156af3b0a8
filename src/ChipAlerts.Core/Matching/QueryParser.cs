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
/// "export~ ban"                         ~ inside a phrase: the forms of that word ("exports ban")
/// subsid*                               a word that starts so: subsidy, subsidies, subsidised (3 letters at least)
/// =AI                                   case-sensitive: AI, not "ai", "said" or "Haiti"
/// Micron -"0.3 micron"                  - (or NOT) excludes the whole item
/// =AI EXCEPT "Quantum AI"               AI, but not where it is part of "Quantum AI": hit by hit
/// (Micron OR 美光) (HBM OR DRAM)        parentheses group
/// Japan NEAR/5 chips                    within 5 words of each other, either order
/// title:Rapidus  summary:(HBM OR DRAM)  only in that field; source:reuters is the feed's id or the link's host
/// /\bMU\.O\b/                           a regular expression (add i for ignoring case), run with a timeout
/// </code>
/// Precedence, tightest first: <c>-</c>/NOT and fields, NEAR/n and EXCEPT, AND, OR. Keywords are upper
/// case; "or" is a word, and <see cref="Parse(string, out IReadOnlyList{QueryWarning})"/> says so.
/// </summary>
public static class QueryParser
{
    public const int DefaultNearDistance = 10;

    /// <summary>The longest query, in characters, and the deepest nesting of parentheses and exclusions.</summary>
    public const int MaxLength = 10_000;

    public const int MaxDepth = 50;

    /// <summary>How long one regular expression may run on one field before it counts as no match.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The shortest prefix a wildcard may have, in letters: "ai*" would find "aid", "aim", "air"….</summary>
    public const int MinWildcardPrefix = 3;

    public static QueryNode Parse(string query) => Parse(query, out _);

    /// <summary>Parses, and says where the query probably does not say what was meant (a lower-case "or", a "+").</summary>
    public static QueryNode Parse(string query, out IReadOnlyList<QueryWarning> warnings)
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
            throw new QueryException(0, "every term is excluded with '-' or NOT: say what to look for, e.g. \"chip -potato\".");
        }

        if (Evaluate(root))
        {
            throw new QueryException(0, "this query matches items that contain none of its terms (an OR with an excluded branch?); write what an item must contain.");
        }

        warnings = parser.Warnings;
        return root;
    }

    /// <summary>The warnings of a query that parses; none for one that does not (its error says more).</summary>
    public static IReadOnlyList<QueryWarning> Warnings(string query)
    {
        try
        {
            Parse(query, out var warnings);
            return warnings;
        }
        catch (QueryException)
        {
            return [];
        }
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
        Except,
        Minus,
        Field,
        Term,
        Regex,
    }

    private readonly record struct Lexeme(Kind Kind, int Position, QueryNode? Node = null, int Distance = 0, FieldScope Scope = FieldScope.Any);

    private static readonly Dictionary<string, FieldScope> Fields = new(StringComparer.OrdinalIgnoreCase)
    {
        ["title"] = FieldScope.Title,
        ["summary"] = FieldScope.Summary,
        ["source"] = FieldScope.Source,
    };

    private static readonly string[] Keywords = ["OR", "AND", "NOT", "NEAR", "EXCEPT"];

    private sealed class Parser(string query)
    {
        private int at;
        private int depth;
        private Lexeme? peeked;

        public List<QueryWarning> Warnings { get; } = [];

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
            while (Peek().Kind is Kind.Near or Kind.Except)
            {
                var op = Next();
                var name = op.Kind == Kind.Near ? "NEAR" : "EXCEPT";
                if (Peek().Kind is Kind.End or Kind.RParen or Kind.Or or Kind.And or Kind.Near or Kind.Except)
                {
                    throw new QueryException(op.Position, $"nothing after this {name}; write a word or phrase on both sides.");
                }

                var right = ParseUnary();
                left = op.Kind == Kind.Near
                    ? new NearNode(Operand(left, op.Position, name), Operand(right, op.Position, name), op.Distance)
                    : new ExceptNode(Operand(left, op.Position, name), Operand(right, op.Position, name));
            }

            return left;
        }

        private static List<QueryTerm> Operand(QueryNode node, int position, string op) => node switch
        {
            TermNode term => [term.Term],
            OrNode branches when branches.Children.All(c => c is TermNode) => [.. branches.Children.Cast<TermNode>().Select(t => t.Term)],
            _ => throw new QueryException(position, op == "NEAR"
                ? "NEAR joins words or phrases, or an OR of them in parentheses, e.g. (Japan OR Tokyo) NEAR/5 chips; not an exclusion, a regular expression, an EXCEPT or another NEAR."
                : "EXCEPT joins words or phrases, or an OR of them in parentheses, e.g. =AI EXCEPT (\"Quantum AI\" OR \"Air India\"); not an exclusion, a regular expression, a NEAR or another EXCEPT."),
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
                if (Peek().Kind is Kind.End or Kind.RParen or Kind.Or or Kind.And or Kind.Near or Kind.Except)
                {
                    throw new QueryException(minus.Position, "nothing after this NOT; write the term it excludes: NOT \"potato chip\".");
                }

                var excluded = new NotNode(ParseUnary());
                depth--;
                return excluded;
            }

            if (Peek().Kind == Kind.Field)
            {
                var field = Next();
                Enter(field.Position);
                var scoped = Scoped(ParseUnary(), field.Scope, field.Position);
                depth--;
                return scoped;
            }

            return ParsePrimary();
        }

        // A field applies to every term under it; a term under two different fields could never match.
        private QueryNode Scoped(QueryNode node, FieldScope scope, int position)
        {
            return node switch
            {
                TermNode term => new TermNode(Term(term.Term)),
                RegexNode regex => regex with { Scope = Scope(regex.Scope) },
                NearNode near => near with { Left = [.. near.Left.Select(Term)], Right = [.. near.Right.Select(Term)] },
                ExceptNode except => except with { Terms = [.. except.Terms.Select(Term)], Excepted = [.. except.Excepted.Select(Term)] },
                AndNode and => new AndNode([.. and.Children.Select(c => Scoped(c, scope, position))]),
                OrNode or => new OrNode([.. or.Children.Select(c => Scoped(c, scope, position))]),
                NotNode not => new NotNode(Scoped(not.Child, scope, position)),
                _ => node,
            };

            QueryTerm Term(QueryTerm term) => term with { Scope = Scope(term.Scope) };

            FieldScope Scope(FieldScope inner) => inner == FieldScope.Any || inner == scope
                ? scope
                : throw new QueryException(position, $"a {inner.ToString().ToLowerInvariant()}: term inside {scope.ToString().ToLowerInvariant()}: can never match; give each term one field.");
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
                case Kind.And or Kind.Near or Kind.Except:
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
            var quoted = query[at] == '"';
            if (quoted)
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
                        case "NOT":
                            return new(Kind.Minus, start);
                        case "EXCEPT":
                            return new(Kind.Except, start);
                        case "NEAR":
                            return new(Kind.Near, start, Distance: DefaultNearDistance);
                    }

                    if (text.StartsWith("NEAR/", StringComparison.Ordinal))
                    {
                        return int.TryParse(text.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var distance) && distance is >= 0 and <= 1000
                            ? new(Kind.Near, start, Distance: distance)
                            : throw new QueryException(start, $"'{text}': NEAR takes a distance in words from 0 to 1000, e.g. NEAR/5.");
                    }

                    if (LexField(text, start) is { } field)
                    {
                        return field;
                    }
                }
                else
                {
                    text = text[1..];
                }

                WarnOfWordsThatLookLikeOperators(text, start);
            }

            var inflect = false;
            if (quoted && at < query.Length && query[at] == '~')
            {
                inflect = true;
                at++;
                if (at < query.Length && char.IsAsciiDigit(query[at]))
                {
                    Warn(at - 1, $"'~{query[at]}' after a phrase: ~ adds the forms of the phrase's last word, and the number is read as a word to find; for words near each other write NEAR/{query[at]}.");
                }
            }

            return new(Kind.Term, start, new TermNode(Term(text, caseSensitive, inflect, start)));
        }

        // "title:Rapidus": the field, with 'at' moved to just after the colon, so the term is lexed next.
        private Lexeme? LexField(string text, int start)
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !IsLetters(text.AsSpan(0, colon)))
            {
                return null;
            }

            if (!Fields.TryGetValue(text[..colon], out var scope))
            {
                if (colon < text.Length - 1 && text[colon + 1] != '/')
                {
                    Warn(start, $"'{text[..(colon + 1)]}' is not a field, so '{text}' is read as words to find; the fields are title:, summary: and source:.");
                }

                return null;
            }

            at = start + colon + 1;
            if (at == query.Length || char.IsWhiteSpace(query[at]) || query[at] == ')')
            {
                throw new QueryException(start, $"'{text[..(colon + 1)]}' must be followed, without a space, by what to find there: {text[..colon].ToLowerInvariant()}:Rapidus or {text[..colon].ToLowerInvariant()}:(Rapidus OR ラピダス).");
            }

            return new(Kind.Field, start, Scope: scope);
        }

        private static bool IsLetters(ReadOnlySpan<char> text)
        {
            foreach (var c in text)
            {
                if (!char.IsAsciiLetter(c))
                {
                    return false;
                }
            }

            return text.Length > 0;
        }

        private void WarnOfWordsThatLookLikeOperators(string text, int start)
        {
            if (Keywords.FirstOrDefault(k => string.Equals(k, text, StringComparison.OrdinalIgnoreCase)) is { } keyword)
            {
                Warn(start, $"'{text}' is read as a word to find; operators are upper case: write {keyword} to use it, or \"{text}\" to find the word without this warning.");
            }
            else if (text.StartsWith("near/", StringComparison.OrdinalIgnoreCase))
            {
                Warn(start, $"'{text}' is read as words to find; write NEAR{text[4..]} (upper case) for words near each other.");
            }
            else if (text.Length > 1 && text[0] is '+' or '!')
            {
                Warn(start, $"'{text}': '{text[0]}' is not an operator here; it is a symbol the text must have before '{text[1..]}'. Words are all required already; to exclude, write -{text[1..]}.");
            }
            else if (text.AsSpan(0, text.Length - 1).IndexOfAny('*', '~') is var mark and >= 0 && mark > 0 && Tokenizer.IsWordChar(text[mark + 1]))
            {
                Warn(start + mark, $"'{text[mark]}' inside '{text}' is a symbol the text must have; {(text[mark] == '*' ? "* marks a prefix" : "~ marks word forms")} only at the end of a word.");
            }
        }

        private void Warn(int position, string message) => Warnings.Add(new QueryWarning(position, message));

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

    /// <summary>
    /// Splits a term into words, with what joins them and the symbols around them. A '~' or '*' at the end of a
    /// word marks it (forms, prefix); <paramref name="inflect"/> marks the last word (a '~' after the phrase).
    /// </summary>
    public static QueryTerm Term(string text, bool caseSensitive = false, bool inflect = false, int position = 0)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = text.Normalize(NormalizationForm.FormKC);

        // The marks stand right after a word and before a non-word (or the end); they are not part of the words' glue.
        // Most terms have none: then nothing is copied (a million rules compile this loop a million times).
        Dictionary<int, WordForm>? marks = null;
        var written = normalized;
        if (normalized.AsSpan().IndexOfAny('~', '*') >= 0)
        {
            var clean = new StringBuilder(normalized.Length);
            marks = [];
            for (var i = 0; i < normalized.Length; i++)
            {
                var c = normalized[i];
                if (c is '~' or '*' && clean.Length > 0 && Tokenizer.IsWordChar(clean[^1]) && (i + 1 == normalized.Length || !Tokenizer.IsWordChar(normalized[i + 1])))
                {
                    if (!marks.TryAdd(clean.Length, c == '~' ? WordForm.Inflected : WordForm.Prefix))
                    {
                        throw new QueryException(position, $"'{text}': a word has both ~ and *; a prefix already finds every form.");
                    }

                    continue;
                }

                clean.Append(c);
            }

            written = clean.ToString();
        }

        var tokens = Tokenizer.Tokenize(written);
        if (tokens.Count == 0)
        {
            throw new QueryException(position, $"'{text}' has no letter or digit to match; write a word.");
        }

        var words = new string[tokens.Count];
        var glue = new string?[tokens.Count - 1];
        var forms = new WordForm[tokens.Count];
        for (var i = 0; i < tokens.Count; i++)
        {
            words[i] = written.Substring(tokens[i].Start, tokens[i].Length);
            forms[i] = marks?.GetValueOrDefault(tokens[i].End) ?? WordForm.Exact;
            if (i > 0)
            {
                var between = written[tokens[i - 1].End..tokens[i].Start];
                glue[i - 1] = between.Length > 0 && Tokenizer.IsFlexibleSeparator(between) ? null : between;
            }

            if (forms[i] == WordForm.Prefix)
            {
                if (Tokenizer.IsCjk(words[i][0]))
                {
                    // Each CJK character is a word of its own, and a phrase of them is found inside longer text already.
                    forms[i] = WordForm.Exact;
                }
                else if (Tokenizer.Fold(words[i]).Length < MinWildcardPrefix)
                {
                    throw new QueryException(position, $"'{text}': a wildcard needs at least {MinWildcardPrefix} letters before the '*'; '{words[i]}*' would find too many words.");
                }
            }
        }

        if (inflect)
        {
            forms[^1] = forms[^1] == WordForm.Prefix
                ? throw new QueryException(position, $"'{text}': its last word has both * and ~; a prefix already finds every form.")
                : WordForm.Inflected;
        }

        return new QueryTerm(text, words, glue, written[..tokens[0].Start], written[tokens[^1].End..], caseSensitive, forms);
    }
}
