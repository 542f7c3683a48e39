using System.Globalization;
using System.Text;

namespace Zuna.Engine.Input.Edf;

/// <summary>
/// The fixed 256-byte header and the 256 bytes per signal of EDF, EDF+, BDF and BDF+ (EDF specification; BDF = BioSemi's
/// 24-bit variant). Read like MNE 1.3's <c>_read_edf_header</c>: text fields are latin-1, numbers accept a comma as the
/// decimal point, and the header's record count is replaced by what the file size holds.
/// </summary>
internal sealed record EdfHeader(
    bool IsBdf,
    DateTimeOffset? StartDate,
    int HeaderBytes,
    long RecordCountInHeader,
    long RecordCount,
    double RecordDuration,
    IReadOnlyList<EdfSignal> Signals)
{
    public const int FixedBytes = 256;
    public const int BytesPerSignal = 256;

    public int BytesPerSample => IsBdf ? 3 : 2;

    /// <summary>Samples of all signals in one data record.</summary>
    public long SamplesPerRecord => Signals.Sum(s => (long)s.SamplesPerRecord);

    private static readonly Encoding Latin1 = Encoding.Latin1;

    /// <summary>BDF files start with byte 0xFF then "BIOSEMI"; EDF with "0" padded to 8 bytes.</summary>
    public static bool LooksLikeBdf(ReadOnlySpan<byte> head) =>
        head.Length >= 8 && head[0] == 0xFF && head[1..8].SequenceEqual("BIOSEMI"u8);

    public static bool LooksLikeEdf(ReadOnlySpan<byte> head) => head.Length >= 8 && head[..8].SequenceEqual("0       "u8);

    /// <summary>Parses the header at the start of <paramref name="stream"/> (a file of <paramref name="fileLength"/> bytes).</summary>
    public static EdfHeader Read(Stream stream, long fileLength, bool bdfByName, string name)
    {
        var fixedPart = ReadExactly(stream, FixedBytes, name, "the 256-byte header");
        var rec = new FieldCursor(fixedPart, name);
        bool bdf = LooksLikeBdf(fixedPart) || (!LooksLikeEdf(fixedPart) && bdfByName);
        rec.Skip(8);              // version
        rec.Skip(80);             // patient
        string recording = rec.Text(80).TrimEnd();
        string date = rec.Text(8), time = rec.Text(8);
        int headerBytes = rec.Int("header size", 8);
        string reserved = rec.Text(44);
        if (reserved.StartsWith("24BIT", StringComparison.Ordinal) || reserved.StartsWith("BDF", StringComparison.Ordinal)) bdf = true;
        long recordsInHeader = rec.Long("number of data records", 8);
        double duration = rec.Double("record duration", 8);
        int signalCount = rec.Int("number of signals", 4);

        if (signalCount <= 0)
            throw new RecordingFormatException($"{name}: the header declares {signalCount} signals.");
        long expectedHeader = FixedBytes + (long)BytesPerSignal * signalCount;
        if (expectedHeader > fileLength)
            throw new RecordingFormatException($"{name}: the header declares {signalCount} signals ({expectedHeader} header bytes) but the file has only {fileLength} bytes.");
        if (headerBytes != expectedHeader)
            throw new RecordingFormatException($"{name}: the header size field says {headerBytes} bytes but {signalCount} signals need {expectedHeader}.");
        if (!double.IsFinite(duration) || duration < 0)
            throw new RecordingFormatException($"{name}: the record duration {duration} is not a valid number of seconds.");
        if (duration == 0) duration = 1; // MNE: "Default record length set to 1" (annotation-only files)

        var signalPart = ReadExactly(stream, BytesPerSignal * signalCount, name, "the signal headers");
        var sig = new FieldCursor(signalPart, name);
        int n = signalCount;
        string[] labels = sig.Texts(n, 16, trim: true);
        sig.Skip(80 * n);         // transducer type
        string[] units = sig.Texts(n, 8, trim: true);
        double[] pmin = sig.Doubles(n, "physical minimum"), pmax = sig.Doubles(n, "physical maximum");
        double[] dmin = sig.Doubles(n, "digital minimum"), dmax = sig.Doubles(n, "digital maximum");
        sig.Skip(80 * n);         // prefiltering
        var signals = new EdfSignal[n];
        for (int i = 0; i < n; i++)
        {
            long samples = sig.Long($"samples per record of signal {i + 1}", 8);
            if (samples <= 0 || samples > fileLength)
                throw new RecordingFormatException($"{name}: signal {i + 1} ('{labels[i]}') declares {samples} samples per record.");
            signals[i] = new EdfSignal(labels[i], units[i], pmin[i], pmax[i], dmin[i], dmax[i], (int)samples);
        }

        int bytesPerSample = bdf ? 3 : 2;
        long perRecord = signals.Sum(s => (long)s.SamplesPerRecord);
        long records = (fileLength - headerBytes) / bytesPerSample / perRecord;
        return new EdfHeader(bdf, ParseStartDate(recording, date, time), headerBytes, recordsInHeader, records, duration, signals);
    }

    /// <summary>
    /// MNE's start date: the EDF+ recording field's dd-MMM-yyyy when it has five words, else the dd.mm.yy field with
    /// yy &lt; 85 → 20yy. Unreadable dates give no date (MNE would fail; the date does not change the data).
    /// </summary>
    private static DateTimeOffset? ParseStartDate(string recording, string date, string time)
    {
        string[] words = recording.Split(' ');
        int day, month, year;
        if (words.Length == 5 && DateTime.TryParseExact(words[1], "d-MMM-yyyy", CultureInfo.InvariantCulture, DateTimeStyles.None, out var full))
            (day, month, year) = (full.Day, full.Month, full.Year);
        else
        {
            var parts = date.Split('.');
            if (parts.Length != 3 || !int.TryParse(parts[0], out day) || !int.TryParse(parts[1], out month) || !int.TryParse(parts[2], out year)) return null;
            year += year < 85 ? 2000 : 1900;
        }
        var clock = time.Split('.');
        if (clock.Length != 3 || !int.TryParse(clock[0], out int h) || !int.TryParse(clock[1], out int m) || !int.TryParse(clock[2], out int s)) return null;
        try { return new DateTimeOffset(year, month, day, h, m, s, TimeSpan.Zero); }
        catch (ArgumentOutOfRangeException) { return null; }
    }

    private static byte[] ReadExactly(Stream stream, int count, string name, string what)
    {
        var buffer = new byte[count];
        int read = stream.ReadAtLeast(buffer, count, throwOnEndOfStream: false);
        if (read < count) throw new RecordingFormatException($"{name}: the file ends inside {what} ({read} of {count} bytes).");
        return buffer;
    }

    /// <summary>Walks fixed-width ASCII fields; numbers are parsed like Python's int()/float() of the NUL-cut text.</summary>
    private sealed class FieldCursor(byte[] bytes, string name)
    {
        private int _at;

        public void Skip(int count) => _at += count;

        public string Text(int width)
        {
            string text = Latin1.GetString(bytes, _at, width);
            _at += width;
            int nul = text.IndexOf('\0', StringComparison.Ordinal);
            return nul >= 0 ? text[..nul] : text;
        }

        /// <summary>MNE strips the label bytes (ASCII whitespace) before decoding, and does not cut at NUL.</summary>
        public string[] Texts(int count, int width, bool trim)
        {
            var result = new string[count];
            for (int i = 0; i < count; i++)
            {
                string text = Latin1.GetString(bytes, _at, width);
                _at += width;
                result[i] = trim ? text.Trim(' ', '\t', '\n', '\r', '\v', '\f') : text;
            }
            return result;
        }

        public long Long(string field, int width)
        {
            string text = Text(width).Trim();
            if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
                throw new RecordingFormatException($"{name}: the header field '{field}' is not an integer ('{Printable(text)}').");
            return value;
        }

        public int Int(string field, int width)
        {
            long value = Long(field, width);
            if (value is < int.MinValue or > int.MaxValue)
                throw new RecordingFormatException($"{name}: the header field '{field}' ({value}) is out of range.");
            return (int)value;
        }

        public double Double(string field, int width)
        {
            string text = Text(width).Replace(',', '.').Trim();
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                throw new RecordingFormatException($"{name}: the header field '{field}' is not a number ('{Printable(text)}').");
            return value;
        }

        public double[] Doubles(int count, string field)
        {
            var result = new double[count];
            for (int i = 0; i < count; i++) result[i] = Double($"{field} of signal {i + 1}", 8);
            return result;
        }

        private static string Printable(string text) => new(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }
}
