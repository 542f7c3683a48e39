using Zuna.Engine.Fif;
using Zuna.Engine.Inference;
using Zuna.Engine.Outputs;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Cli;

/// <summary>The model part of `zuna reconstruct` for one recording, shared by the one-file and the folder forms.</summary>
internal static class ReconstructWork
{
    /// <summary>Where a reconstruction stands: epochs [First, First + Count) of Total, at this solver step.</summary>
    public readonly record struct Step(int First, int Count, int Total, SamplerProgress Progress)
    {
        /// <summary>The fraction of the recording's model work done.</summary>
        public double Fraction => (First + Count * (double)Progress.StepsDone / Math.Max(1, Progress.StepsTotal)) / Math.Max(1, Total);
    }

    /// <summary>
    /// Reconstruction [E, C, T] in z-units, in batches of <paramref name="batchSize"/> epochs; epoch e starts from the
    /// draws of (seed, e), or from <paramref name="eps"/> [E, S, 32] when given.
    /// </summary>
    public static float[] Sample(ZunaEngine engine, Preprocessed input, SamplerOptions sampler, long seed, float[]? eps, int batchSize,
        Action<Step> step, CancellationToken cancellationToken)
    {
        int s = input.ChannelCount * (input.EpochSamples / 32);
        long perEpoch = (long)input.ChannelCount * input.EpochSamples;
        var reconstruction = new float[input.EpochCount * perEpoch];
        for (int first = 0; first < input.EpochCount; first += batchSize)
        {
            int count = Math.Min(batchSize, input.EpochCount - first);
            var keys = Enumerable.Range(first, count).Select(e => new NoiseKey(seed, e)).ToArray();
            float[]? batchNoise = eps?.AsSpan(first * s * 32, count * s * 32).ToArray();
            var progress = new StepReport(first, count, input.EpochCount, step);
            var part = engine.Reconstruct(ModelVerbOptions.Slice(input, first, count), sampler, keys, batchNoise, progress, cancellationToken);
            part.CopyTo(reconstruction, first * perEpoch);
        }
        return reconstruction;
    }

    /// <summary>Writes a .fif (volts, with positions) or a .safetensors (z-units with metadata).</summary>
    public static void Write(string path, bool asFif, ZunaEngine engine, Preprocessed input, float[] reconstruction, SamplerOptions sampler, long seed)
    {
        if (asFif) FifWriter.Write(path, ReconstructionFile.ToRecording(input, reconstruction));
        else SafeTensorsWriter.From(ReconstructionFile.Layout(input, reconstruction, engine.Info, sampler, seed)).Write(path);
    }

    /// <summary>Reports each solver step synchronously, as the engine makes it.</summary>
    private sealed class StepReport(int first, int count, int total, Action<Step> step) : IProgress<SamplerProgress>
    {
        public void Report(SamplerProgress value) => step(new Step(first, count, total, value));
    }
}
