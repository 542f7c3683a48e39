using Zuna.Engine.Fif;

namespace Zuna.Engine.Input.Epochs;

/// <summary>
/// Epochs as a file stores them (MNE's read_epochs): volts in double, row-major [EpochCount, Channels, EpochSamples]
/// at the file's rate, not yet through the ZUNA epochs path.
/// </summary>
public sealed class EpochedRecording
{
    public required IReadOnlyList<FifChannel> Channels { get; init; }
    public required double SampleRate { get; init; }
    public required int EpochCount { get; init; }
    public required int EpochSamples { get; init; }

    /// <summary>Time of each epoch's first sample relative to its event, in seconds (MNE's epochs.tmin).</summary>
    public double TMin { get; init; }
    public required double[] Data { get; init; }
    public IReadOnlyList<string> BadChannels { get; init; } = [];
    public string Source { get; init; } = "";
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>One channel of one epoch.</summary>
    public ReadOnlySpan<double> Row(int epoch, int channel) =>
        Data.AsSpan((int)(((long)epoch * Channels.Count + channel) * EpochSamples), EpochSamples);
}
