using System.Text;
using System.Text.RegularExpressions;

namespace ChipAlerts.Core.Feeds;

/// <summary>
/// Turns fetched bytes into text ourselves, so the XML parser only ever sees a string.
/// Precedence (RFC 7303): byte-order mark, then the HTTP charset, then the XML declaration, then UTF-8.
/// </summary>
public static partial class FeedDecoder
{
    static FeedDecoder() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static string Decode(ReadOnlySpan<byte> bytes, string? httpCharset)
    {
        var encoding = FromBom(bytes, out var bomLength)
            ?? FromName(httpCharset)
            ?? FromDeclaration(bytes)
            ?? Encoding.UTF8;
        return encoding.GetString(bytes[bomLength..]);
    }

    private static Encoding? FromBom(ReadOnlySpan<byte> bytes, out int length)
    {
        (var encoding, length) = bytes switch
        {
            [0xEF, 0xBB, 0xBF, ..] => (Encoding.UTF8, 3),
            [0xFF, 0xFE, ..] => (Encoding.Unicode, 2),
            [0xFE, 0xFF, ..] => (Encoding.BigEndianUnicode, 2),
            // UTF-16 without a mark, recognised by "<?" with zero bytes between.
            [(byte)'<', 0, (byte)'?', 0, ..] => (Encoding.Unicode, 0),
            [0, (byte)'<', 0, (byte)'?', ..] => (Encoding.BigEndianUnicode, 0),
            _ => ((Encoding?)null, 0),
        };
        return encoding;
    }

    private static Encoding? FromDeclaration(ReadOnlySpan<byte> bytes)
    {
        var head = Encoding.ASCII.GetString(bytes[..Math.Min(bytes.Length, 256)]);
        var match = DeclaredEncoding().Match(head);
        return match.Success ? FromName(match.Groups[1].Value) : null;
    }

    private static Encoding? FromName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        try
        {
            var encoding = Encoding.GetEncoding(name.Trim().Trim('"'));
            // A declared "utf-16" in a document without a mark is handled by FromBom; never decode
            // single-byte text as UTF-16 because a declaration says so.
            return encoding is UnicodeEncoding ? null : encoding;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    [GeneratedRegex("""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")]
    private static partial Regex DeclaredEncoding();
}
