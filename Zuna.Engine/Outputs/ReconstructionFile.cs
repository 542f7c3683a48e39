using Zuna.Engine.Fif;
using Zuna.Engine.Inference;
using Zuna.Engine.Montage;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Engine.Outputs;

/// <summary>
/// The reconstructions output: as safetensors, <c>reconstruction</c> F32 [E, C, T] in z-units and <c>chan_pos</c>
/// F32 [C, 3], metadata from <see cref="OutputMetadata"/> (with the sampler settings and seed); or, as a recording
/// for a FIF file, the same data back in volts.
/// </summary>
public static class ReconstructionFile
{
    public const string ReconstructionTensor = "reconstruction";

    public static OutputLayout Layout(Preprocessed input, float[] reconstruction, ModelInfo model, SamplerOptions sampler, long seed)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sampler);
        return new OutputLayout(
            [
                TensorToWrite.Of(ReconstructionTensor, reconstruction, input.EpochCount, input.ChannelCount, input.EpochSamples),
                TensorToWrite.Of(PreprocessedFile.PositionsTensor, input.ChannelPositions, input.ChannelCount, 3),
            ],
            OutputMetadata.Describe(Operation.Reconstruct, input, model, sampler, seed));
    }

    /// <summary>
    /// Throws an <see cref="InvalidRecordingException"/> naming what is missing when <paramref name="input"/> lacks the
    /// global statistics that turn z-units back into volts; callers may check this before running the model.
    /// </summary>
    public static void EnsureVoltsScale(Preprocessed input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var missing = new List<string>(2);
        if (input.GlobalMean is null) missing.Add("global_mean");
        if (input.GlobalStd is null) missing.Add("global_std");
        if (missing.Count > 0)
            throw new InvalidRecordingException(
                $"the input's metadata has no {string.Join(" and ", missing)}, which a reconstruction needs to be written in volts (FIF); " +
                "ask for safetensors (z-units) instead.");
    }

    /// <summary>
    /// A reconstruction [E, C, T] in z-units turned back into a continuous recording in volts, as zuna.pt_to_fif does:
    /// epochs concatenated, x·σ + μ with the recording's global statistics, EEG channels at 256 Hz with head-frame positions,
    /// and what the recording's <see cref="Preprocessed.Origin"/> tells (date, first sample, annotations, digitiser, filters).
    /// The per-epoch baseline is not restored (the original does not either), so expect steps at epoch boundaries.
    /// </summary>
    public static RawRecording ToRecording(Preprocessed input, float[] reconstruction)
    {
        EnsureVoltsScale(input);
        ArgumentNullException.ThrowIfNull(reconstruction);
        double mean = input.GlobalMean!.Value, std = input.GlobalStd!.Value;
        int e = input.EpochCount, c = input.ChannelCount, t = input.EpochSamples;
        if (reconstruction.Length != (long)e * c * t)
            throw new ArgumentException($"reconstruction holds {reconstruction.Length} values, expected {e}×{c}×{t}.", nameof(reconstruction));
        var data = new float[c][];
        for (int ch = 0; ch < c; ch++)
        {
            var channel = data[ch] = new float[e * t];
            for (int ep = 0; ep < e; ep++)
            {
                var source = reconstruction.AsSpan((ep * c + ch) * t, t);
                for (int i = 0; i < t; i++)
                    channel[ep * t + i] = (float)(source[i] * std + mean);
            }
        }
        var channels = EegChannelList.Create(input.ChannelNames, ch => HeadLocation(input, ch));
        var origin = input.Origin;
        return new RawRecording
        {
            Channels = channels,
            SampleRate = Preprocessed.SampleRate,
            SampleCount = e * t,
            Data = data,
            Source = "zuna reconstruction",
            // What MNE users expect to survive: when it was recorded and where in it this output starts, the
            // annotations on the output's time base, the digitiser (fiducials included), the filters and the reference.
            MeasurementDate = origin?.MeasurementDate,
            FirstSample = origin is null ? 0 : EpochTimeline.FirstSample(origin),
            Annotations = origin is null ? [] : EpochTimeline.Annotations(origin, t),
            DigPoints = DigPoints(origin, channels),
            HighPass = origin?.HighPass ?? 0,
            LowPass = origin?.LowPass ?? Preprocessed.SampleRate / 2,
            LineFrequency = origin?.LineFrequency,
            CustomReferenceApplied = origin?.AverageReference ?? false,
        };
    }

    /// <summary>
    /// A channel's FIF location: FIF stores EEG positions in the head frame, so an electrode the model saw at the
    /// montage's 'mri'-frame position (added without target_head_frame) is written at the montage's head-frame position.
    /// </summary>
    private static float[] HeadLocation(Preprocessed input, int ch)
    {
        var (x, y, z) = (input.ChannelPositions[ch * 3], input.ChannelPositions[ch * 3 + 1], input.ChannelPositions[ch * 3 + 2]);
        if (input.MriFrameChannels.Contains(ch) && StandardMontage.Standard1005.Find(input.ChannelNames[ch]) is { } electrode)
            (x, y, z) = ((float)electrode.Head.X, (float)electrode.Head.Y, (float)electrode.Head.Z);
        return [x, y, z, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    }

    /// <summary>The recording's fiducials, HPI and extra points, then one EEG point per positioned channel (as written).</summary>
    private static List<FifDigPoint> DigPoints(RecordingOrigin? origin, List<FifChannel> channels)
    {
        var dig = origin?.DigPoints.Where(d => d.Kind != FifConst.DigKindEeg).ToList() ?? [];
        int ident = 0;
        foreach (var ch in channels.Where(ch => ch.Location[..3].Any(v => v != 0)))
            dig.Add(new FifDigPoint(FifConst.DigKindEeg, ++ident, ch.Location[0], ch.Location[1], ch.Location[2], EegChannelList.CoordHead));
        return dig;
    }
}
