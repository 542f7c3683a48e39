using System.Globalization;

namespace Zuna.Engine.Input.Arrays;

/// <summary>
/// Plain-text recordings as zuna-rs writes them: `#` comment lines, a header of channel names (comma-separated, or
/// tab-separated for .tsv), the first column `timestamp` (or `time`) in seconds, then one row per sample in volts.
/// The sample rate is 1 / (t₁ − t₀) rounded to 1e-3 Hz, as numpy.loadtxt + RawArray would be given it, unless the
/// caller gives one (<see cref="ArrayOptions.SampleRate"/>; then the time column is optional). Values are volts unless
/// the caller says µV. Every channel is EEG; positions come from the channel rule (10-05 names).
/// </summary>
public sealed class CsvRecordingReader : IArrayReader
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
        bool hasTime = header[0].Equals("timestamp", StringComparison.OrdinalIgnoreCase) || header[0].Equals("time", StringComparison.OrdinalIgnoreCase);
        int samples = columns[0].Count;
        double rate = source.Arrays.SampleRate ?? (hasTime
            ? RateFromTimestamps(columns[0], source.Name)
            : throw new InvalidOptionException($"{source.Name}: the first column is '{Shorten(header[0])}', not 'timestamp' (seconds); give the sample rate (CLI --sfreq, HTTP form field sfreq) or add a timestamp column."));
        if (samples == 0) throw new RecordingFormatException($"{source.Name}: no data rows after the header.");

        double factor = ArrayOptions.Factor(source.Arrays.Units ?? ArrayUnits.Volts);
        int first = hasTime ? 1 : 0;
        if (header.Length - first == 0) throw new RecordingFormatException($"{source.Name}: the header names no channel besides the timestamp.");
        var volts = columns.Skip(first).Select(c => c.Select(v => v * factor).ToArray()).ToArray();
        return ArrayRecording.Create(source.Name, header[first..], rate, volts, "double", []);
    }

    /// <summary>1 / (t₁ − t₀), rounded to 1e-3 Hz.</summary>
    private static double RateFromTimestamps(List<double> times, string name)
    {
        if (times.Count < 2) throw new RecordingFormatException($"{name}: fewer than two rows, so no sample rate can be told from the timestamps.");
        double rate = Math.Round(1.0 / (times[1] - times[0]), 3, MidpointRounding.ToEven);
        if (!(rate > 0) || !double.IsFinite(rate))
            throw new RecordingFormatException($"{name}: the first two timestamps ({times[0]}, {times[1]}) give no positive sample rate.");
        return rate;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
