namespace Zuna.Engine.Repair;

/// <summary>
/// Step 3 of the repair pipeline (docs/zuna11.md §5.6): each window's model output back to volts
/// (z·σ_c + μ_c + offset[t]) written at its place; the hybrid keeps the clipped model input (the filtered signal,
/// clipped at ±10 z) outside the mask; then seam correction of the hybrid, the infill annotations and the bads.
/// </summary>
public static class RepairAssembler
{
    /// <param name="outputs">Model output per window index, [C, T] in z-units (model units × 10).</param>
    public static RepairResult Assemble(RepairPlan plan, IReadOnlyDictionary<int, float[]> outputs)
    {
        var (full, hybrid, mask) = Stitch(plan, outputs);
        SeamCorrection.Apply(hybrid, mask, plan.OutputSamples);
        var prepared = plan.Prepared;
        var annotations = plan.Options.AnnotateInfill
            ? InfillAnnotations.Build(mask, prepared.ChannelNames, PreparedRecording.SampleRate)
            : [];
        int n = plan.OutputSamples;
        var wholeRepaired = prepared.ChannelNames.Where((_, c) => mask.AsSpan(c * n, n).IndexOf((byte)0) < 0).ToHashSet();
        var bads = prepared.Bads.Where(b => !wholeRepaired.Contains(b)).ToList();
        return new RepairResult(prepared, plan.OutputSamples, full, hybrid, mask, annotations, bads, plan.Options.HighPassHz);
    }

    /// <summary>The full reconstruction, the hybrid before seam correction and the per-sample mask, [C, N] row-major.</summary>
    public static (float[] Full, float[] Hybrid, byte[] Mask) Stitch(RepairPlan plan, IReadOnlyDictionary<int, float[]> outputs)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(outputs);
        int channels = plan.Prepared.ChannelCount, n = plan.OutputSamples;
        var full = new float[channels * n];
        var hybrid = new float[channels * n];
        var mask = new byte[channels * n];
        foreach (var w in plan.Windows)
        {
            if (!outputs.TryGetValue(w.Index, out var z) || z.Length != w.ChannelCount * w.Samples)
                throw new ArgumentException($"window {w.Index} has no model output of {w.ChannelCount}×{w.Samples} values.", nameof(outputs));
            int tc = w.TokensPerChannel;
            for (int c = 0; c < channels; c++)
            {
                float mu = w.Mean[c], sigma = w.Std[c];
                for (int t = 0; t < w.Samples; t++)
                {
                    bool masked = w.TokenMask[c * tc + t / RepairMask.TokenSamples];
                    float model = z[c * w.Samples + t] * sigma + mu + w.Offset[t];
                    int at = c * n + w.Start + t;
                    full[at] = model;
                    hybrid[at] = masked ? model : w.ClippedInput(c, t) * sigma + mu + w.Offset[t];
                    mask[at] = masked ? (byte)1 : (byte)0;
                }
            }
        }
        return (full, hybrid, mask);
    }
}
