namespace Zuna.Engine.Preprocessing;

/// <summary>
/// The epochs the model sees, plus what is needed to put a reconstruction back into volts.
/// <see cref="Epochs"/> is row-major [EpochCount, ChannelCount, EpochSamples] in z-units
/// (globally z-scored, per-epoch mean removed, not divided by data_norm).
/// <see cref="SampleRateIn"/>, <see cref="GlobalMean"/> and <see cref="GlobalStd"/> are null for epochs that did not
/// come through the preprocessing chain (a preprocessed file built from numpy arrays): the model does not need them,
/// only the way back to volts does.
/// </summary>
public sealed record Preprocessed(
    float[] Epochs,
    int EpochCount,
    int ChannelCount,
    int EpochSamples,
    float[] ChannelPositions,   // [ChannelCount, 3], metres
    string[] ChannelNames,
    double? SampleRateIn,
    double? GlobalMean,
    double? GlobalStd)
{
    public const double SampleRate = 256.0;

    /// <summary>The recording these epochs came from (dates, annotations, digitiser points, filters); null for epochs read from a preprocessed file.</summary>
    public RecordingOrigin? Origin { get; init; }

    /// <summary>Channels whose positions are in the standard montage's own 'mri' frame (electrodes added without target_head_frame); the others are in the head frame.</summary>
    public IReadOnlyList<int> MriFrameChannels { get; init; } = [];

    /// <summary>Warnings from reading and channel selection (e.g. EEG channels left out); shown on stderr, in responses and logs.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>One epoch, [ChannelCount, EpochSamples], as a view of <see cref="Epochs"/>.</summary>
    public ReadOnlyMemory<float> Epoch(int index) =>
        Epochs.AsMemory(index * ChannelCount * EpochSamples, ChannelCount * EpochSamples);
}
