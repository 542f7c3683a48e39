using System.Diagnostics;
using Microsoft.Extensions.Options;
using Zuna.Api.Backend;
using Zuna.Api.Errors;
using Zuna.Api.Options;
using Zuna.Api.Queue;
using Zuna.Api.Telemetry;
using Zuna.Engine;
using Zuna.Engine.Inference;
using Zuna.Engine.Input;
using Zuna.Engine.Outputs;
using Zuna.Engine.Preprocessing;

namespace Zuna.Api.Requests;

/// <summary>What a client asked for: the operation and its options. <paramref name="VoltsOutput"/>: the result is wanted in
/// volts (FIF), which needs the input's global μ/σ; checked before the model runs.</summary>
public sealed record InferenceRequest(Operation Operation, InputOptions Input, SamplerOptions Sampler, long Seed, bool VoltsOutput = false);

/// <summary>The preprocessed input and, unless only preprocessing was asked for, the model output.</summary>
public sealed record InferenceOutcome(InferenceRequest Request, Preprocessed Input, float[]? Output, ModelInfo? Model);

/// <summary>
/// One request from upload to model output, shared by the synchronous endpoints and the jobs, in the order data flows:
/// the engine's <see cref="RecordingLoader"/> (format by content, parse, preprocess), the <see cref="InferenceQueue"/>,
/// the backend's batch, the output. Phases are timed on the given <see cref="PhaseTimer"/> (spans, histograms, Server-Timing).
/// </summary>
public sealed class InferenceService(RecordingLoader loader, InferenceQueue queue, ModelHost host, ZunaTelemetry telemetry,
    IOptions<ZunaOptions> options, ILogger<InferenceService> logger)
{
    private readonly ZunaOptions _options = options.Value;

    /// <summary>
    /// Parsing and preprocessing are CPU-bound and hold the whole recording in memory: at most one per core at a time,
    /// whatever the number of uploads arriving (the queue bound applies only later, and not to /v1/preprocess).
    /// </summary>
    private readonly SemaphoreSlim _decodeSlots = new(Environment.ProcessorCount);

    /// <summary>Runs a synchronous request under the configured deadline; past it the answer is 504.</summary>
    public async Task<InferenceOutcome> RunWithDeadlineAsync(Stream upload, string fileName, InferenceRequest request,
        PhaseTimer timer, CancellationToken requestAborted, IReadOnlyDictionary<string, Stream>? companions = null)
    {
        int seconds = _options.Limits.RequestTimeoutSeconds;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, deadline.Token);
        try
        {
            return await RunAsync(upload, fileName, request, timer, null, linked.Token, companions);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !requestAborted.IsCancellationRequested)
        {
            throw new DeadlineExceededException(seconds);
        }
    }

    public async Task<InferenceOutcome> RunAsync(Stream upload, string fileName, InferenceRequest request,
        PhaseTimer timer, IProgress<WorkProgress>? progress, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, Stream>? companions = null)
    {
        string operation = OperationNames.Name(request.Operation);
        long start = Stopwatch.GetTimestamp();
        string outcome = "error";
        telemetry.InFlight.Add(1);
        try
        {
            if (request.Operation == Operation.Repair)
                throw new InvalidOptionException("repairs run through RepairService (POST /v1/repairs, repair jobs, `zuna repair`), not the inference path.");
            // Refuse early: no point parsing a 500 MB upload the worker will not take. Once admitted, a drain waits for it.
            using var admission = request.Operation == Operation.Preprocess ? null : queue.Admit();
            if (admission is not null) EnsureAccepting();
            Preprocessed input;
            await _decodeSlots.WaitAsync(cancellationToken);
            try
            {
                var source = companions is { Count: > 0 }
                    ? RecordingSource.FromParts(upload, fileName, companions)
                    : RecordingSource.FromStream(upload, fileName);
                input = loader.Load(source, request.Input, timer, cancellationToken);
                foreach (var warning in input.Warnings) logger.LogWarning("{FileName}: {Warning}", fileName, warning);
            }
            finally
            {
                _decodeSlots.Release();
            }
            if (request.VoltsOutput) ReconstructionFile.EnsureVoltsScale(input);
            upload = Stream.Null; // decoded: the raw upload (a job's in-memory copy) is not kept through the queue wait
            cancellationToken.ThrowIfCancellationRequested();
            float[]? output = null;
            if (request.Operation is var op and not Operation.Preprocess)
            {
                if (input.EpochCount == 0) throw new InvalidRecordingException("The recording yields no complete 5 s epoch.");
                host.EnsureServing();
                var work = new InferenceWork(op, input, request.Sampler, request.Seed, cancellationToken, progress);
                output = await queue.Submit(work);
                // The worker has recorded these in zuna.phase.duration already; the header still shows them.
                timer.AddToHeader("queue", work.Timings.QueueSeconds);
                timer.AddToHeader("encode", work.Timings.EncodeSeconds);
                if (op == Operation.Reconstruct) timer.AddToHeader("decode", work.Timings.DecodeSeconds);
            }
            outcome = "success";
            return new InferenceOutcome(request, input, output, host.Info);
        }
        catch (OperationCanceledException)
        {
            outcome = "cancelled";
            throw;
        }
        catch (Exception e)
        {
            outcome = e switch
            {
                QueueFullException => "rejected",
                ServiceNotReadyException or ModelLoadException => "unavailable",
                ZunaInputException => "invalid_input",
                _ => "error",
            };
            throw;
        }
        finally
        {
            telemetry.InFlight.Add(-1);
            telemetry.RequestDuration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds,
                new KeyValuePair<string, object?>("operation", operation),
                new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    /// <summary>Ready, and a queue slot free right now (checked again, bindingly, when the work is queued).</summary>
    public void EnsureAccepting()
    {
        host.EnsureReady();
        queue.EnsureRoom();
    }
}
