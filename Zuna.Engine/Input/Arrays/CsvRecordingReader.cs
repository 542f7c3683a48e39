using System.Globalization;
using Zuna.Engine.Fif;

namespace Zuna.Engine.Input.Arrays;

/// <summary>
/// Plain-text recordings as zuna-rs writes them: `#` comment lines, a header of channel names (comma-separated, or
/// tab-separated for .tsv), the first column `timestamp` (or `time`) in seconds, then one row per sample in volts.
/// The sample rate is 1 / (t₁ − t₀) rounded to 1e-3 Hz, as numpy.loadtxt + RawArray would be given it. Every channel
/// is EEG; positions come from the channel rule (10-05 names).
/// </summary>
public sealed class CsvRecordingReader : IRecordingReader
{
    public string Format => "CSV/TSV";

    public IReadOnlyList<string> Extensions { get; } = [".csv", ".tsv"];

    /// <summary>Text has no magic number: told by extension only.</summary>
    public bool Recognises(ReadOnlySpan<byte> head) => false;

    public RecordingContent Read(RecordingSource source)
    {
        using var stream = source.Open();
        using var reader = new StreamReader(stream, detectEncodingFromByteOrderMarks: true);
        char separator = source.Name.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase) ? '\t' : ',';
        string[]? header = null;
        var columns = new List<List<double>>();
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.StartsWith('#') || string.IsNullOrWhiteSpace(line)) continue;
            var fields = line.Split(separator);
            if (header is null)
            {
                header = fields.Select(f => f.Trim()).ToArray();
                if (header.Length < 2) throw new RecordingFormatException($"{source.Name}: the header '{Shorten(line)}' names fewer than two columns (timestamp and a channel).");
                columns.AddRange(header.Select(_ => new List<double>()));
                continue;
            }
            if (fields.Length != header.Length)
                throw new RecordingFormatException($"{source.Name}: line {lineNumber} has {fields.Length} values, the header {header.Length}.");
            for (int c = 0; c < fields.Length; c++)
            {
                if (!double.TryParse(fields[c], NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                    throw new RecordingFormatException($"{source.Name}: line {lineNumber}, column {c + 1}: '{Shorten(fields[c])}' is not a number.");
                columns[c].Add(value);
            }
        }
        if (header is null) throw new RecordingFormatException($"{source.Name}: no header line of channel names.");
        if (!header[0].Equals("timestamp", StringComparison.OrdinalIgnoreCase) && !header[0].Equals("time", StringComparison.OrdinalIgnoreCase))
            throw new RecordingFormatException($"{source.Name}: the first column must be 'timestamp' (seconds), found '{Shorten(header[0])}'.");
        int samples = columns[0].Count;
        if (samples < 2) throw new RecordingFormatException($"{source.Name}: fewer than two rows, so no sample rate can be told from the timestamps.");
        double step = columns[0][1] - columns[0][0];
        double rate = Math.Round(1.0 / step, 3, MidpointRounding.ToEven);
        if (!(rate > 0) || !double.IsFinite(rate))
            throw new RecordingFormatException($"{source.Name}: the first two timestamps ({columns[0][0]}, {columns[0][1]}) give no positive sample rate.");

        var volts = columns.Skip(1).Select(c => c.ToArray()).ToArray();
        var warnings = new List<string>();
        string[] names = ChannelNames.MakeUnique(header[1..], warnings);
        return new RecordingContent.Continuous(new RawRecording
        {
            Channels = names.Select((n, i) => ReadChannels.Create(n, i, FifChannelKind.Eeg)).ToList(),
            SampleRate = rate,
            SampleCount = samples,
            Data = ReadChannels.ToFloat(volts),
            DoubleData = volts,
            Source = source.Name,
            OriginalFormat = "double",
            LowPass = rate / 2,
            Warnings = warnings,
        });
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
