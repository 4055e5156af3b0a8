using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ChipAlerts.Core.Feeds;

/// <summary>
/// The lenient second pass, for the faults that break most real feeds and lose nothing when mended: a
/// bare '&amp;' ("AT&amp;T", "?a=1&amp;b=2"), HTML entities that XML does not declare ("&amp;nbsp;",
/// "&amp;eacute;"), and control characters XML forbids. Anything else that is not well-formed stays an error.
/// </summary>
public static partial class FeedRepair
{
    /// <summary>The document mended, and what was mended ("2 bare '&amp;', 1 undeclared entity"); null when there was nothing to mend.</summary>
    public static (string Document, string Repairs)? TryRepair(string document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var bare = 0;
        var undeclared = 0;
        var (text, invalid) = WithoutInvalidCharacters(document);
        var mended = Ampersand().Replace(text, m =>
        {
            var name = m.Groups["name"];
            if (!name.Success)
            {
                bare++;
                return "&amp;";
            }

            if (m.Value is "&amp;" or "&lt;" or "&gt;" or "&quot;" or "&apos;" || m.Value.StartsWith("&#", StringComparison.Ordinal))
            {
                return m.Value;
            }

            // An HTML entity (HTML5's list, "&AMP;" and "&hellip;" alike): its character as a numeric reference, which XML always knows.
            var decoded = AngleSharp.Html.HtmlEntityProvider.Resolver.GetSymbol(name.Value + ";") is { Length: > 0 } symbol ? symbol : m.Value;
            if (decoded == m.Value)
            {
                bare++;
                return "&amp;" + m.Value[1..];
            }

            undeclared++;
            var text = new StringBuilder();
            foreach (var rune in decoded.EnumerateRunes())
            {
                text.Append(CultureInfo.InvariantCulture, $"&#x{rune.Value:X};");
            }

            return text.ToString();
        });

        if (bare + undeclared + invalid == 0)
        {
            return null;
        }

        var repairs = string.Join(", ", new[]
        {
            bare > 0 ? $"{bare} bare '&'" : null,
            undeclared > 0 ? $"{undeclared} undeclared {(undeclared == 1 ? "entity" : "entities")}" : null,
            invalid > 0 ? $"{invalid} control {(invalid == 1 ? "character" : "characters")} removed" : null,
        }.Where(r => r is not null));
        return (mended, repairs);
    }

    /// <summary>The control characters XML 1.0 forbids (a stray BEL or form feed in a title) removed, and how many.</summary>
    private static (string Text, int Removed) WithoutInvalidCharacters(string document)
    {
        if (document.AsSpan().IndexOfAny(Invalid) < 0)
        {
            return (document, 0);
        }

        var text = new StringBuilder(document.Length);
        var removed = 0;
        foreach (var c in document)
        {
            if (Invalid.Contains(c))
            {
                removed++;
            }
            else
            {
                text.Append(c);
            }
        }

        return (text.ToString(), removed);
    }

    private static readonly System.Buffers.SearchValues<char> Invalid = System.Buffers.SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000B\u000C\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\uFFFE\uFFFF");

    // Every '&': a reference (named, decimal or hex) or a bare one.
    [GeneratedRegex(@"&(?:(?<name>[A-Za-z][A-Za-z0-9]{0,31}|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});)?", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex Ampersand();
}
