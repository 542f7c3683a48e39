using Zuna.Engine.Inference;
using Zuna.Engine.Input;

namespace Zuna.Engine.Repair;

/// <summary>
/// ZUNA1.1's reconstruct_fif as three steps: <see cref="Plan"/> (read through the engine's one door, prepare, window,
/// mask), the model (<see cref="RepairModelStep"/>, one call per batch of equal-length windows) and
/// <see cref="RepairAssembler"/> (stitch, hybrid, seams, annotations). <see cref="Run"/> chains them for a caller that
/// owns the model (the CLI); the service runs the model step through its queue instead.
/// </summary>
public static class RepairPipeline
{
    /// <summary>Windows per model call when the caller does not say (the 8192-sample windows of 64 channels are large).</summary>
    public const int DefaultMaxBatch = 8;

    public static RepairPlan Plan(RecordingLoader loader, RecordingSource source, RepairOptions options, ICollection<string> warnings,
        IPhaseTimer? phases = null)
    {
        ArgumentNullException.ThrowIfNull(loader);
        options.Validate();
        var raw = loader.ReadContinuous(source.With(options.Arrays), phases);
        using (phases?.Measure("preprocess"))
            return RepairPlan.Create(RepairPreparation.Prepare(raw, options, warnings), options);
    }

    public static RepairResult Run(IZunaModel model, RepairPlan plan, RepairNoise noise, int maxBatch = DefaultMaxBatch,
        IProgress<SamplerProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(plan);
        RepairModelGate.EnsureZuna11(model.Info);
        var outputs = new Dictionary<int, float[]>();
        foreach (var batch in plan.Batches(maxBatch))
        {
            var results = RepairModelStep.Run(model, batch, plan.Prepared.Positions, noise, plan.Options.Sampler, progress, cancellationToken);
            for (int b = 0; b < batch.Count; b++) outputs[batch[b].Index] = results[b];
        }
        return RepairAssembler.Assemble(plan, outputs);
    }
}
