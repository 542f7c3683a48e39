using System.Globalization;
using System.Text.RegularExpressions;
using Zuna.Engine.Fif;

namespace Zuna.Engine.Input.BrainVision;

/// <summary>
/// A .vmrk marker file → annotations, as MNE 1.3's <c>_read_mrk</c>: every `Mk&lt;n&gt;=type,description,position,points,…`
/// line after [Marker Infos] becomes "type/description" (`\1` → ','), onset (position − 1)/sfreq, duration
/// points/sfreq (0 unless all digits). A second "New Segment" is only an annotation.
/// </summary>
internal static partial class BrainVisionMarkers
{
    public static List<FifAnnotation> Parse(byte[] bytes, double sampleRate, string name)
    {
        var (_, rest) = BrainVisionText.Decode(bytes);
        var start = MarkerInfos().Match(rest);
        if (!start.Success) return [];
        var annotations = new List<FifAnnotation>();
        foreach (Match line in MarkerLine().Matches(rest[(start.Index + start.Length)..]))
        {
            string[] fields = line.Groups[1].Value.Split(',');
            if (fields.Length < 4)
                throw new RecordingFormatException($"{name}: marker '{Shorten(line.Value)}' has fewer than 4 fields.");
            string type = fields[0].Replace(@"\1", ",", StringComparison.Ordinal);
            string description = fields[1].Replace(@"\1", ",", StringComparison.Ordinal);
            if (!long.TryParse(fields[2].Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long position))
                throw new RecordingFormatException($"{name}: marker '{Shorten(line.Value)}' has no integer position.");
            long points = fields[3].Length > 0 && fields[3].All(char.IsAsciiDigit) && long.TryParse(fields[3], out long p) ? p : 0;
            annotations.Add(new FifAnnotation((position - 1) / sampleRate, points / sampleRate, type + "/" + description));
        }
        return annotations;
    }

    /// <summary>MNE's meas_date source: the first `New Segment` marker with a 20-digit yyyyMMddHHmmssffffff date.</summary>
    public static DateTimeOffset? MeasurementDate(byte[] bytes)
    {
        var (_, rest) = BrainVisionText.Decode(bytes);
        foreach (string line in rest.Split('\n'))
        {
            var m = NewSegmentDate().Match(line.Trim());
            if (!m.Success) continue;
            return DateTime.TryParseExact(m.Groups[1].Value, "yyyyMMddHHmmssffffff", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date)
                ? new DateTimeOffset(date, TimeSpan.Zero)
                : null;
        }
        return null;
    }

    [GeneratedRegex(@"\[Marker Infos\]", RegexOptions.IgnoreCase)]
    private static partial Regex MarkerInfos();

    [GeneratedRegex(@"^Mk\d+=(.*)", RegexOptions.Multiline)]
    private static partial Regex MarkerLine();

    [GeneratedRegex(@"^Mk\d+=New Segment,.*,\d+,\d+,-?\d+,(\d{20})$")]
    private static partial Regex NewSegmentDate();

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
