using Zuna.Engine.Inference;

namespace Zuna.Engine.Repair;

/// <summary>
/// Step 2 of the repair pipeline: one <see cref="IZunaModel.Reconstruct"/> call per batch of equal-length windows.
/// Each window goes in as its masked z-units [C, T] (the model divides by 10 and clips; masked tokens are exactly 0)
/// with its channel positions; its noise is the given eps (converted from the original's time-major order to the
/// model's) or the (seed, window index) draw. Returns each window's model output [C, T] in z-units (×10 applied).
/// </summary>
public static class RepairModelStep
{
    public static IReadOnlyList<float[]> Run(IZunaModel model, IReadOnlyList<RepairWindow> windows, float[] positions, RepairNoise noise,
        SamplerOptions sampler, IProgress<SamplerProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(noise);
        if (windows.Count == 0) return [];
        var first = windows[0];
        if (windows.Any(w => w.Samples != first.Samples || w.ChannelCount != first.ChannelCount))
            throw new ArgumentException("a repair batch holds windows of one length and channel count only.", nameof(windows));

        int span = first.ChannelCount * first.Samples;
        var signals = new float[windows.Count * span];
        for (int b = 0; b < windows.Count; b++) windows[b].MaskedInput().CopyTo(signals, b * span);
        var batch = new EpochBatch(signals, windows.Count, first.ChannelCount, first.Samples, positions);

        float[]? initial = null;
        if (noise.IsGiven)
        {
            bool timeMajor = RepairModelGate.TakesTimeMajorTokens(model.Info);
            initial = new float[windows.Count * span];
            for (int b = 0; b < windows.Count; b++)
            {
                var eps = noise.For(windows[b])!;
                (timeMajor ? eps : RepairTokens.ToChannelMajor(eps, first.ChannelCount, first.TokensPerChannel)).CopyTo(initial, b * span);
            }
        }
        var keys = windows.Select(w => new NoiseKey(noise.Seed, w.Index)).ToList();
        var output = model.Reconstruct(batch, sampler, keys, initial, progress, cancellationToken);
        return [.. Enumerable.Range(0, windows.Count).Select(b => output.AsSpan(b * span, span).ToArray())];
    }
}
