using System.Text;
using System.Text.RegularExpressions;

namespace Zuna.Engine.Input.BrainVision;

/// <summary>
/// Text of .vhdr and .vmrk files as MNE decodes it: the codepage named by a `Codepage=` line (ANSI = cp1252), else
/// UTF-8; latin-1 when that fails.
/// </summary>
internal static partial class BrainVisionText
{
    static BrainVisionText() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>The first line (the format's identification) and the rest, decoded.</summary>
    public static (string FirstLine, string Body) Decode(byte[] bytes)
    {
        int newline = Array.IndexOf(bytes, (byte)'\n');
        int split = newline < 0 ? bytes.Length : newline + 1;
        string first = Encoding.ASCII.GetString(bytes, 0, split).Replace("?", "", StringComparison.Ordinal).Trim().TrimStart('\uFEFF');
        return (first, DecodeRest(bytes.AsSpan(split)));
    }

    private static string DecodeRest(ReadOnlySpan<byte> bytes)
    {
        string ascii = Encoding.ASCII.GetString(bytes);
        var match = CodepageLine().Match(ascii);
        string codepage = match.Success ? match.Groups[1].Value.Trim() : "utf-8";
        if (codepage.Equals("ANSI", StringComparison.Ordinal)) codepage = "windows-1252";
        Encoding encoding;
        try { encoding = Encoding.GetEncoding(codepage, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback); }
        // An unknown name, or one .NET knows but will not decode (UTF-7 is disabled): read it as UTF-8 like an absent line.
        catch (Exception e) when (e is ArgumentException or NotSupportedException) { encoding = new UTF8Encoding(false, true); }
        try { return encoding.GetString(bytes); }
        catch (DecoderFallbackException) { return Encoding.Latin1.GetString(bytes); }
    }

    /// <summary>Header lines MNE accepts: "Brain Vision Data Exchange Header File Version 1.0" and its spellings.</summary>
    public static bool IsHeaderLine(string line) => HeaderLine().IsMatch(line);

    [GeneratedRegex("Codepage=(.+)")]
    private static partial Regex CodepageLine();

    [GeneratedRegex(@"Brain ?Vision( Core| V-Amp)? Data( Exchange)? Header File,? Version [12]\.0")]
    private static partial Regex HeaderLine();
}
