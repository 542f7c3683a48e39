using System.Diagnostics;
using Zuna.Api.Errors;
using Zuna.Api.Queue;
using Zuna.Api.Telemetry;
using Zuna.Engine;
using Zuna.Engine.Inference;

namespace Zuna.Api.Backend;

/// <summary>
/// Runs one batch on the inference thread (synchronous code: TorchSharp scopes are thread-local) and hands
/// each request its own slice of the output. The batch is cancelled only when every request in it is.
/// </summary>
internal sealed class BatchRunner(IZunaModel model, ZunaTelemetry telemetry, CancellationToken abort)
{
    public void Run(IReadOnlyList<BatchSlice> slices)
    {
        if (slices.Count == 0) return;
        var lead = slices[0].Work;
        var input = lead.Input;
        int channels = input.ChannelCount, samples = input.EpochSamples, perEpoch = channels * samples;
        int epochs = slices.Sum(s => s.EpochCount);

        // [B, C, T]: the slices' epochs back to back.
        var signals = new float[epochs * perEpoch];
        var noise = new NoiseKey[epochs];
        int row = 0;
        foreach (var (work, first, count) in slices)
        {
            Array.Copy(work.Input.Epochs, (long)first * perEpoch, signals, (long)row * perEpoch, (long)count * perEpoch);
            for (int i = 0; i < count; i++) noise[row + i] = new NoiseKey(work.Seed, work.FirstNoiseIndex + first + i);
            row += count;
        }
        var batch = new EpochBatch(signals, epochs, channels, samples, input.ChannelPositions);
        telemetry.BatchEpochs.Record(epochs);

        var works = slices.Select(s => s.Work).Distinct().ToArray();
        using var cancellation = AllCancelled(works);
        string phase = lead.Operation == Operation.Embed ? "encode" : "reconstruct";
        using var span = ZunaTelemetry.Source.StartActivity(phase, ActivityKind.Internal, lead.Parent,
            links: works.Skip(1).Select(w => new ActivityLink(w.Parent)));
        span?.SetTag("zuna.batch.epochs", epochs);
        span?.SetTag("zuna.batch.requests", works.Length);
        span?.SetTag("zuna.channels", channels);

        long start = Stopwatch.GetTimestamp();
        long encodeEnd = 0, firstStep = 0;
        float[] output;
        try
        {
            if (lead.Operation == Operation.Embed)
            {
                output = model.Embed(batch, cancellation.Token);
                encodeEnd = Stopwatch.GetTimestamp();
            }
            else
            {
                var progress = new InlineProgress<SamplerProgress>(p =>
                {
                    // The sampler reports after each Euler step; the first report marks encoder + one step.
                    if (firstStep == 0) firstStep = Stopwatch.GetTimestamp();
                    foreach (var w in works)
                        w.Progress?.Report(new WorkProgress(w.EpochsDone, w.Input.EpochCount, p.StepsDone, p.StepsTotal));
                });
                output = model.Reconstruct(batch, lead.Sampler, noise, null, progress, cancellation.Token);
                span?.SetTag("zuna.diffusion.steps", lead.Sampler.Steps);
            }
        }
        catch (Exception e)
        {
            foreach (var w in works)
            {
                if (w.CancellationToken.IsCancellationRequested) w.Completion.TrySetCanceled(w.CancellationToken);
                else if (e is OperationCanceledException) w.Completion.TrySetException(new ServiceNotReadyException("The service stopped before this request finished."));
                else w.Completion.TrySetException(e);
            }
            span?.SetStatus(ActivityStatusCode.Error, e.Message);
            return;
        }

        long end = Stopwatch.GetTimestamp();
        if (encodeEnd == 0) encodeEnd = EstimateEncodeEnd(start, firstStep, end, lead.Sampler.Steps);
        double encode = Stopwatch.GetElapsedTime(start, encodeEnd).TotalSeconds;
        double decode = lead.Operation == Operation.Embed ? 0 : Stopwatch.GetElapsedTime(encodeEnd, end).TotalSeconds;
        telemetry.RecordPhase("encode", encode);
        if (lead.Operation == Operation.Reconstruct) telemetry.RecordPhase("decode", decode);

        int outPerEpoch = lead.OutputPerEpoch;
        row = 0;
        foreach (var (work, first, count) in slices)
        {
            Array.Copy(output, (long)row * outPerEpoch, work.Output, (long)first * outPerEpoch, (long)count * outPerEpoch);
            row += count;
            work.EpochsDone += count;
            work.Timings.EncodeSeconds += encode;
            work.Timings.DecodeSeconds += decode;
            work.Progress?.Report(new WorkProgress(work.EpochsDone, work.Input.EpochCount,
                lead.Operation == Operation.Embed ? 0 : lead.Sampler.Steps, lead.Operation == Operation.Embed ? 0 : lead.Sampler.Steps));
            if (work.EpochsDone == work.Input.EpochCount) work.Completion.TrySetResult(work.Output);
        }
    }

    /// <summary>
    /// The engine runs encoder and sampler in one call, so the encoder's share is estimated: the first progress
    /// report comes after the encoder and one Euler step, and one step lasts about (end − first) / (steps − 1).
    /// </summary>
    private static long EstimateEncodeEnd(long start, long firstStep, long end, int steps)
    {
        if (firstStep == 0) return end;
        if (steps <= 1) return firstStep;
        long step = (end - firstStep) / (steps - 1);
        return Math.Max(start, firstStep - step);
    }

    /// <summary>A token that fires when every request in the batch has been cancelled, or the host aborts.</summary>
    private BatchCancellation AllCancelled(IReadOnlyList<InferenceWork> works)
    {
        var source = new CancellationTokenSource();
        int remaining = works.Count;
        var registrations = new List<CancellationTokenRegistration>(works.Count + 1) { abort.Register(source.Cancel) };
        foreach (var w in works)
            registrations.Add(w.CancellationToken.Register(() =>
            {
                if (Interlocked.Decrement(ref remaining) == 0) source.Cancel();
            }));
        return new BatchCancellation(source, registrations);
    }

    private sealed class BatchCancellation(CancellationTokenSource source, List<CancellationTokenRegistration> registrations) : IDisposable
    {
        public CancellationToken Token => source.Token;

        public void Dispose()
        {
            foreach (var r in registrations) r.Dispose();
            source.Dispose();
        }
    }
}
