namespace Zuna.Engine.Fif;

/// <summary>FIFF channel kinds we care about (FIFFV_*_CH).</summary>
public enum FifChannelKind
{
    Meg = 1, Ref = 301, Eeg = 2, Mcg = 201, Stim = 3, Eog = 202, Emg = 302, Ecg = 402, Misc = 502,
    Resp = 602, Seeg = 802, Syst = 900, Ecog = 902, Bio = 102, Dbs = 803, Fnirs = 1100,
}

/// <summary>
/// One channel of a recording (FIFF_CH_INFO). <see cref="Location"/> holds the 12 loc floats as stored;
/// the electrode position in metres, head frame, is the first three.
/// </summary>
public sealed record FifChannel(
    string Name,
    int ScanNumber,
    int LogicalNumber,
    int Kind,
    float Range,
    float Cal,
    int CoilType,
    float[] Location,
    int Unit,
    int UnitMultiplier,
    int CoordFrame)
{
    public bool IsEeg => Kind == (int)FifChannelKind.Eeg;
}

/// <summary>
/// An annotation. <see cref="Onset"/> is in seconds from sample 0 of <see cref="RawRecording.Data"/>, i.e. MNE's
/// raw.annotations.onset − first_samp / sfreq, with MNE's orig_time/meas_date rules already resolved; sample index =
/// round(Onset × sfreq). As in MNE, annotations wholly outside the data are dropped and those crossing an edge clipped;
/// each interior acquisition skip adds a "BAD_ACQ_SKIP" annotation over its zero-filled gap.
/// <see cref="ChannelNames"/> are the channels it applies to (MNE's annotations.ch_names); empty means all channels.
/// </summary>
public sealed record FifAnnotation(double Onset, double Duration, string Description)
{
    public IReadOnlyList<string> ChannelNames { get; init; } = [];
}

/// <summary>A digitised point (FIFF_DIG_POINT).</summary>
public sealed record FifDigPoint(int Kind, int Ident, float X, float Y, float Z, int CoordFrame);

/// <summary>
/// A continuous recording read from FIF: data in volts (value × range × cal, computed in double),
/// one array per channel, and everything the preprocessing chain needs about it.
/// </summary>
public sealed class RawRecording
{
    public required IReadOnlyList<FifChannel> Channels { get; init; }
    public required double SampleRate { get; init; }
    /// <summary>Samples per channel.</summary>
    public required int SampleCount { get; init; }
    /// <summary>MNE's first_samp: the absolute index of sample 0 (moved by an initial DATA_SKIP).</summary>
    public long FirstSample { get; init; }
    /// <summary>Data[channel][sample] in volts (float32 storage keeps an hour of 64-channel 1 kHz data under 1 GB).</summary>
    public required float[][] Data { get; init; }
    /// <summary>
    /// The same volts in double, when the reader computed them in double (EDF/BDF integers × calibration): MNE keeps
    /// float64, and float32 storage of a channel with a large DC offset costs up to 3e-6 of the signal after the
    /// high-pass. The chain reads these when present.
    /// </summary>
    public double[][]? DoubleData { get; init; }
    public IReadOnlyList<string> BadChannels { get; init; } = [];
    public IReadOnlyList<FifAnnotation> Annotations { get; init; } = [];
    public IReadOnlyList<FifDigPoint> DigPoints { get; init; } = [];
    public DateTimeOffset? MeasurementDate { get; init; }
    public double HighPass { get; init; }
    public double LowPass { get; init; }
    public string Source { get; init; } = "";
    /// <summary>Power-line frequency (FIFF_LINE_FREQ) when the file states it.</summary>
    public double? LineFrequency { get; init; }
    /// <summary>True when the data carry a reference other than the recording's own (MNE's custom_ref_applied).</summary>
    public bool CustomReferenceApplied { get; init; }
    /// <summary>MNE's orig_format of the first data buffer: "short", "int", "single" or "double".</summary>
    public string OriginalFormat { get; init; } = "single";
    /// <summary>
    /// Samples contributed by each file of a split recording, in order (one entry for an ordinary file).
    /// MNE resamples split parts separately, so the preprocessing chain needs these boundaries.
    /// </summary>
    public IReadOnlyList<int> PartSampleCounts { get; init; } = [];
    /// <summary>What the reader had to assume or repair (MNE's warnings), for the user to see.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
