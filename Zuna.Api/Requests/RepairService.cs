using Zuna.Api.Backend;
using Zuna.Api.Queue;
using Zuna.Api.Telemetry;
using Zuna.Engine;
using Zuna.Engine.Inference;
using Zuna.Engine.Input;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.Repair;

namespace Zuna.Api.Requests;

/// <summary>A repaired recording and what produced it.</summary>
public sealed record RepairOutcome(RepairResult Result, RepairOptions Options, RepairNoise Noise, ModelInfo Model, IReadOnlyList<string> Warnings);

/// <summary>
/// A repair from upload to result: the engine plans it (read through the one door, prepare, window, mask), its windows
/// go through the <see cref="InferenceQueue"/> as reconstruction work (one work per window length, so the full windows
/// may share batches and the shorter last one runs alone, each window keeping its noise index), and the engine
/// assembles the outputs. A ZUNA 1.0 model is refused (422) before any window is queued.
/// </summary>
public sealed class RepairService(RecordingLoader loader, InferenceQueue queue, ModelHost host, InferenceService inference)
{
    public async Task<RepairOutcome> RunAsync(Stream upload, string fileName, RepairOptions options, PhaseTimer timer,
        IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        using var admission = queue.Admit();   // a drain waits until every window is queued
        inference.EnsureAccepting();
        RepairModelGate.EnsureZuna11(host.Info!);
        var warnings = new List<string>();
        var plan = RepairPipeline.Plan(loader, RecordingSource.FromStream(upload, fileName), options, warnings, timer);
        cancellationToken.ThrowIfCancellationRequested();

        var outputs = new Dictionary<int, float[]>();
        var prepared = plan.Prepared;
        int windowsDone = 0;
        foreach (var windows in plan.Batches())
        {
            var first = windows[0];
            // Each work counts its own windows; the caller sees windows done out of the whole recording's.
            int before = windowsDone;
            var windowProgress = progress is null ? null : new InlineProgress<WorkProgress>(p =>
                progress.Report(p with { EpochsDone = before + p.EpochsDone, EpochsTotal = plan.Windows.Count }));
            int span = first.ChannelCount * first.Samples;
            var epochs = new float[windows.Count * span];
            for (int i = 0; i < windows.Count; i++) windows[i].MaskedInput().CopyTo(epochs, i * span);
            var input = new Preprocessed(epochs, windows.Count, first.ChannelCount, first.Samples, prepared.Positions, prepared.ChannelNames, null, null, null);
            var work = new InferenceWork(Operation.Reconstruct, input, options.Sampler, options.Seed, cancellationToken, windowProgress) { FirstNoiseIndex = first.Index };
            var output = await queue.Submit(work);
            for (int i = 0; i < windows.Count; i++) outputs[windows[i].Index] = output.AsSpan(i * span, span).ToArray();
            windowsDone += windows.Count;
        }
        return new RepairOutcome(RepairAssembler.Assemble(plan, outputs), options, RepairNoise.FromSeed(options.Seed), host.Info!, warnings);
    }
}
