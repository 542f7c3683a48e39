using System.Globalization;
using System.Text;
using Zuna.Engine.Fif;

namespace Zuna.Engine.Input.Edf;

/// <summary>
/// EDF+ time-stamped annotation lists (TALs) → annotations, as MNE 1.3's <c>_read_annotations_edf</c> finds them with the
/// pattern <c>([+-]\d+\.?\d*)(\x15(\d+\.?\d*))?(\x14.*?)\x14\x00</c> over the UTF-8 text of every record's annotation bytes.
/// Written as a single forward scan instead of a regular expression so that hostile bytes cannot make it quadratic.
/// The first TAL's empty text is the record's time stamp: its onset is subtracted from all later onsets.
/// </summary>
internal static class EdfAnnotationList
{
    public static List<FifAnnotation> Parse(byte[] bytes, ICollection<string> warnings)
    {
        string text;
        try { text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes); }
        catch (DecoderFallbackException)
        {
            // MNE stops here (it asks for encoding='latin1'); we read the text the lenient way and say so.
            text = Encoding.UTF8.GetString(bytes);
            warnings.Add("the EDF+ annotations contain bytes that are not UTF-8; they were replaced by U+FFFD.");
        }

        var events = new List<FifAnnotation>();
        double offset = 0;
        int k = 0, at = 0, terminator = -1, newline = -1; // caches: -1 = not searched yet
        while (at < text.Length)
        {
            int start = text.IndexOfAny(Signs, at);
            if (start < 0) break;
            if (!TryMatch(text, start, ref terminator, ref newline, out var tal))
            {
                at = start + 1;
                continue;
            }
            double onset = Number(tal.Onset) + offset;
            double duration = tal.Duration is null ? 0 : Number(tal.Duration);
            foreach (var description in tal.Texts.Split('\u0014').Skip(1))
            {
                if (description.Length > 0) events.Add(new FifAnnotation(onset, duration, description));
                else if (k == 0) offset = -onset;
            }
            k++;
            at = tal.End;
        }
        return events;
    }

    private static readonly char[] Signs = ['+', '-'];

    private readonly record struct Tal(string Onset, string? Duration, string Texts, int End);

    /// <summary>
    /// One TAL at <paramref name="start"/>: sign, digits, optional '.' and digits; optionally 0x15 and a duration; then
    /// 0x14 and the shortest run without a newline up to the first 0x14 0x00. <paramref name="terminator"/> and
    /// <paramref name="newline"/> cache the next such positions (attempts only move forward).
    /// </summary>
    private static bool TryMatch(string s, int start, ref int terminator, ref int newline, out Tal tal)
    {
        tal = default;
        int i = start + 1;
        int onsetEnd = Digits(s, i);
        if (onsetEnd < 0) return false;
        i = onsetEnd;
        string? duration = null;
        if (i < s.Length && s[i] == '\u0015')
        {
            int durationEnd = Digits(s, i + 1);
            if (durationEnd >= 0)
            {
                duration = s[(i + 1)..durationEnd];
                i = durationEnd;
            }
        }
        if (i >= s.Length || s[i] != '\u0014') return false;
        int textStart = i;
        if (terminator < textStart + 1) terminator = IndexOfTerminator(s, textStart + 1);
        if (terminator == int.MaxValue) return false;
        if (newline < textStart + 1)
        {
            newline = s.IndexOf('\n', textStart + 1);
            if (newline < 0) newline = int.MaxValue;
        }
        if (newline < terminator) return false;
        tal = new Tal(s[start..onsetEnd], duration, s[textStart..terminator], terminator + 2);
        return true;
    }

    /// <summary>End of <c>\d+\.?\d*</c> from <paramref name="i"/>, or −1 when no digit starts there.</summary>
    private static int Digits(string s, int i)
    {
        int j = i;
        while (j < s.Length && char.IsAsciiDigit(s[j])) j++;
        if (j == i) return -1;
        if (j < s.Length && s[j] == '.')
        {
            j++;
            while (j < s.Length && char.IsAsciiDigit(s[j])) j++;
        }
        return j;
    }

    private static int IndexOfTerminator(string s, int from)
    {
        int found = s.AsSpan(from).IndexOf("\u0014\0", StringComparison.Ordinal);
        return found < 0 ? int.MaxValue : from + found;
    }

    private static double Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : 0;
}
