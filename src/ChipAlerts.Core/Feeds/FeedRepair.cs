using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace ChipAlerts.Core.Feeds;

/// <summary>
/// The lenient second pass, for the two faults that break most real feeds and lose nothing when
/// mended: a bare '&amp;' ("AT&amp;T", "?a=1&amp;b=2") and HTML entities that XML does not declare
/// ("&amp;nbsp;", "&amp;eacute;"). Anything else that is not well-formed stays an error.
/// </summary>
public static partial class FeedRepair
{
    /// <summary>The document mended, and what was mended ("2 bare '&amp;', 1 undeclared entity"); null when there was nothing to mend.</summary>
    public static (string Document, string Repairs)? TryRepair(string document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var bare = 0;
        var undeclared = 0;
        var mended = Ampersand().Replace(document, m =>
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

            // An HTML entity: its character as a numeric reference, which XML always knows.
            var decoded = WebUtility.HtmlDecode(m.Value);
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

        if (bare + undeclared == 0)
        {
            return null;
        }

        var repairs = string.Join(", ", new[]
        {
            bare > 0 ? $"{bare} bare '&'" : null,
            undeclared > 0 ? $"{undeclared} undeclared {(undeclared == 1 ? "entity" : "entities")}" : null,
        }.Where(r => r is not null));
        return (mended, repairs);
    }

    // Every '&': a reference (named, decimal or hex) or a bare one.
    [GeneratedRegex(@"&(?:(?<name>[A-Za-z][A-Za-z0-9]{0,31}|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});)?", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex Ampersand();
}
