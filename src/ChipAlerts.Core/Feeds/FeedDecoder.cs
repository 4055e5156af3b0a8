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

    public static string Decode(ReadOnlySpan<byte> bytes, string? httpCharset) =>
        Detect(bytes, httpCharset, out var bomLength).GetString(bytes[bomLength..]);

    /// <summary>
    /// Opens the bytes as text without decoding them all at once: the safety gate streams through a
    /// document, so a hostile one it refuses never costs a whole-document string (twice its bytes).
    /// </summary>
    public static Func<TextReader> Reader(byte[] bytes, string? httpCharset)
    {
        var encoding = Detect(bytes, httpCharset, out var bomLength);
        return () => new StreamReader(new MemoryStream(bytes, bomLength, bytes.Length - bomLength, writable: false), encoding, detectEncodingFromByteOrderMarks: false);
    }

    private static Encoding Detect(ReadOnlySpan<byte> bytes, string? httpCharset, out int bomLength) =>
        FromBom(bytes, out bomLength)
            ?? FromName(httpCharset)
            ?? FromDeclaration(bytes)
            ?? Encoding.UTF8;

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
