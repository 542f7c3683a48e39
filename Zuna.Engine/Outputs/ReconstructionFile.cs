using Zuna.Engine.Fif;
using Zuna.Engine.Inference;
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
    /// epochs concatenated, x·σ + μ with the recording's global statistics, EEG channels at 256 Hz with positions.
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
        var channels = EegChannelList.Create(input.ChannelNames, input.ChannelPositions);
        return new RawRecording
        {
            Channels = channels,
            SampleRate = Preprocessed.SampleRate,
            SampleCount = e * t,
            Data = data,
            Source = "zuna reconstruction",
        };
    }
}
