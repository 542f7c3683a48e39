namespace Zuna.Engine.Input.Eeglab;

/// <summary>
/// The parts of an EEGLAB dataset the reader uses, taken from a .set file's variables the way MNE 1.3's
/// <c>_check_load_mat</c> does: an <c>EEG</c> struct when there is one (older EEGLAB), else the top-level variables
/// (newer EEGLAB saves the fields one by one).
/// </summary>
public sealed record EeglabSet(
    double SampleRate,
    int ChannelCount,
    int SampleCount,
    int Trials,
    double? XMin,
    string? DataFile,
    MatNumeric? EmbeddedData,
    MatValue? ChannelLocations,
    MatValue? Events)
{
    public static EeglabSet From(IReadOnlyDictionary<string, MatValue> variables, string name)
    {
        if (variables.ContainsKey("ALLEEG")) throw new RecordingFormatException($"{name}: holds an ALLEEG array of several datasets; save one dataset per .set file.");
        IReadOnlyDictionary<string, MatValue> fields = variables;
        if (variables.TryGetValue("EEG", out var eeg))
            fields = eeg is MatStruct { Elements.Count: >= 1 } s ? s.Elements[0]
                : throw new RecordingFormatException($"{name}: the variable EEG is not a struct.");

        double rate = Number(fields, "srate", name);
        if (!(rate > 0) || !double.IsFinite(rate)) throw new RecordingFormatException($"{name}: EEG.srate is {rate}, not a sample rate.");
        int channels = Count(fields, "nbchan", name, 1, 1 << 16);
        int samples = Count(fields, "pnts", name, 1, int.MaxValue);
        int trials = Count(fields, "trials", name, 1, int.MaxValue);

        fields.TryGetValue("data", out var data);
        string? dataFile = data is MatChar c ? c.Text.Trim() : null;
        var embedded = data as MatNumeric;
        if (dataFile is null && embedded is null)
            throw new RecordingFormatException($"{name}: EEG.data is neither a data file name nor a numeric array.");
        if (embedded is not null && (embedded.Dims.Length < 2 || embedded.Dims[0] != channels || embedded.Count != (long)channels * samples * trials))
            throw new RecordingFormatException(
                $"{name}: EEG.data is {string.Join("×", embedded.Dims)}, but nbchan × pnts × trials is {channels}×{samples}×{trials}.");

        fields.TryGetValue("chanlocs", out var chanlocs);
        fields.TryGetValue("event", out var events);
        // Only epoched data use xmin (the first epoch sample's time); a continuous set may lack it.
        double? xmin = fields.TryGetValue("xmin", out var x) && x is MatNumeric { Values.Length: >= 1 } n ? n.Values[0] : null;
        return new EeglabSet(rate, channels, samples, trials, xmin, dataFile, embedded, chanlocs, events);
    }

    /// <summary>MNE's float(value) of a scalar field.</summary>
    public static double Number(IReadOnlyDictionary<string, MatValue> fields, string field, string name) =>
        fields.TryGetValue(field, out var v) && v is MatNumeric { Values.Length: >= 1 } n ? n.Values[0]
            : throw new RecordingFormatException($"{name}: EEG.{field} is missing or not a number.");

    private static int Count(IReadOnlyDictionary<string, MatValue> fields, string field, string name, int min, int max)
    {
        double value = Number(fields, field, name);
        if (!(value >= min && value <= max) || value != Math.Floor(value))
            throw new RecordingFormatException($"{name}: EEG.{field} is {value}; expected a whole number from {min} to {max}.");
        return (int)value;
    }
}
