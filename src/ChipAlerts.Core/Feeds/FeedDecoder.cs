using System.Text;
using System.Text.RegularExpressions;
using System.Text.Unicode;

namespace ChipAlerts.Core.Feeds;

/// <summary>
/// Turns fetched bytes into text ourselves, so the XML parser only ever sees a string.
/// Precedence (RFC 7303): byte-order mark (UTF-8, UTF-16, UTF-32, or their "&lt;?" pattern without one), then the
/// HTTP charset, then the XML declaration, then UTF-8 when the bytes are UTF-8, else what a charset detector
/// (UTF.Unknown, Mozilla's) finds. Labels are read as browsers read them (the WHATWG Encoding standard):
/// "iso-8859-1", "latin1" and "us-ascii" mean windows-1252, so € “ ” – of such feeds survive.
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

    /// <summary>The first character that is not white space, as decoded; null for an empty or blank start.</summary>
    public static char? FirstCharacter(Func<TextReader> open)
    {
        ArgumentNullException.ThrowIfNull(open);
        var head = new char[256];
        using var reader = open();
        var text = head.AsSpan(0, reader.ReadBlock(head)).TrimStart();
        return text.IsEmpty ? null : text[0];
    }

    private static Encoding Detect(ReadOnlySpan<byte> bytes, string? httpCharset, out int bomLength) =>
        FromBom(bytes, out bomLength)
            ?? FromName(httpCharset)
            ?? FromDeclaration(bytes)
            ?? Undeclared(bytes);

    /// <summary>Labels whose bytes browsers read with another, larger encoding (WHATWG Encoding, "Encodings" table).</summary>
    private static readonly Dictionary<string, int> WhatwgLabels = new(StringComparer.OrdinalIgnoreCase)
    {
        ["iso-8859-1"] = 1252,
        ["iso8859-1"] = 1252,
        ["iso_8859-1"] = 1252,
        ["latin1"] = 1252,
        ["l1"] = 1252,
        ["us-ascii"] = 1252,
        ["ascii"] = 1252,
        ["cp819"] = 1252,
        ["ibm819"] = 1252,
        ["iso-8859-9"] = 1254,
        ["latin5"] = 1254,
        ["iso-8859-11"] = 874,
        ["tis-620"] = 874,
        ["euc-kr"] = 949,
        ["ks_c_5601-1987"] = 949,
        ["gb2312"] = 936,
        ["x-gbk"] = 936,
    };

    /// <summary>No mark and no label: ISO-2022-JP by its escapes, UTF-8 if the bytes are valid UTF-8, else the detector's best guess, else windows-1252.</summary>
    private static Encoding Undeclared(ReadOnlySpan<byte> bytes)
    {
        // ISO-2022-JP is seven-bit, so valid UTF-8 too: its escape into JIS X 0208 gives it away, as browsers find it.
        if (bytes.IndexOf("\u001B$B"u8) >= 0 || bytes.IndexOf("\u001B$@"u8) >= 0)
        {
            return Encoding.GetEncoding("iso-2022-jp");
        }

        if (Utf8.IsValid(bytes))
        {
            return Encoding.UTF8;
        }

        var sample = bytes[..Math.Min(bytes.Length, 64 * 1024)].ToArray();
        var found = UtfUnknown.CharsetDetector.DetectFromBytes(sample).Detected;
        return found is { Confidence: > 0.2f } && FromName(found.EncodingName) is { } guessed ? guessed : Encoding.GetEncoding(1252);
    }

    private static Encoding? FromBom(ReadOnlySpan<byte> bytes, out int length)
    {
        (var encoding, length) = bytes switch
        {
            [0xEF, 0xBB, 0xBF, ..] => (Encoding.UTF8, 3),
            [0xFF, 0xFE, 0, 0, ..] => (Encoding.UTF32, 4),
            [0, 0, 0xFE, 0xFF, ..] => (new UTF32Encoding(bigEndian: true, byteOrderMark: false), 4),
            [(byte)'<', 0, 0, 0, ..] => (Encoding.UTF32, 0),
            [0, 0, 0, (byte)'<', ..] => (new UTF32Encoding(bigEndian: true, byteOrderMark: false), 0),
            [0xFF, 0xFE, ..] => (Encoding.Unicode, 2),
            [0xFE, 0xFF, ..] => (Encoding.BigEndianUnicode, 2),
            // UTF-16 without a mark, recognised by its opening '<' ("<?xml", "<rss") with zero bytes between.
            [(byte)'<', 0, not 0, 0, ..] => (Encoding.Unicode, 0),
            [0, (byte)'<', 0, not 0, ..] => (Encoding.BigEndianUnicode, 0),
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
            var label = name.Trim().Trim('"');
            var encoding = WhatwgLabels.TryGetValue(label, out var codePage) ? Encoding.GetEncoding(codePage) : Encoding.GetEncoding(label);
            // A declared "utf-16" or "utf-32" in a document without a mark is handled by FromBom; never decode
            // single-byte text as UTF-16 because a declaration says so.
            return encoding is UnicodeEncoding or UTF32Encoding ? null : encoding;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    [GeneratedRegex("""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")]
    private static partial Regex DeclaredEncoding();
}
