using System.Diagnostics;
using Microsoft.Extensions.Options;
using Zuna.Api.Options;
using Zuna.Api.Telemetry;
using Zuna.Engine;
using Zuna.Engine.Inference;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Hosting;

/// <summary>What a client asked for: the operation and its options.</summary>
public sealed record InferenceRequest(Operation Operation, InputOptions Input, SamplerOptions Sampler, long Seed);

/// <summary>The preprocessed input and, unless only preprocessing was asked for, the model output.</summary>
public sealed record InferenceOutcome(InferenceRequest Request, Preprocessed Input, float[]? Output, ModelInfo? Model);

/// <summary>
/// One request from upload to model output, shared by the synchronous endpoints and the jobs: detect the
/// upload's format by its bytes, parse, preprocess, queue for the inference worker, wait. Phases are timed
/// on the given <see cref="PhaseTimer"/> (spans, histograms, Server-Timing).
/// </summary>
public sealed class InferenceService(IEnginePipeline engine, ModelHost host, ZunaTelemetry telemetry, IOptions<ZunaOptions> options)
{
    private readonly ZunaOptions _options = options.Value;

    /// <summary>
    /// Parsing and preprocessing are CPU-bound and hold the whole recording in memory: at most one per core at a time,
    /// whatever the number of uploads arriving (the queue bound applies only later, and not to /v1/preprocess).
    /// </summary>
    private readonly SemaphoreSlim _decodeSlots = new(Environment.ProcessorCount);

    public ModelHost Host => host;

    /// <summary>Runs a synchronous request under the configured deadline; past it the answer is 504.</summary>
    public async Task<InferenceOutcome> RunWithDeadlineAsync(Stream upload, string fileName, InferenceRequest request,
        PhaseTimer timer, CancellationToken requestAborted)
    {
        int seconds = _options.Limits.RequestTimeoutSeconds;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, deadline.Token);
        try
        {
            return await RunAsync(upload, fileName, request, timer, null, linked.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !requestAborted.IsCancellationRequested)
        {
            throw new DeadlineExceededException(seconds);
        }
    }

    public async Task<InferenceOutcome> RunAsync(Stream upload, string fileName, InferenceRequest request,
        PhaseTimer timer, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        string operation = request.Operation switch { Operation.Embed => "embed", Operation.Reconstruct => "reconstruct", _ => "preprocess" };
        long start = Stopwatch.GetTimestamp();
        string outcome = "error";
        telemetry.InFlight.Add(1);
        try
        {
            // Refuse early: no point parsing a 500 MB upload the worker will not take.
            if (request.Operation != Operation.Preprocess) host.EnsureAccepting();
            Preprocessed input;
            await _decodeSlots.WaitAsync(cancellationToken);
            try
            {
                input = Decode(upload, fileName, request.Input, timer);
            }
            finally
            {
                _decodeSlots.Release();
            }
            upload = Stream.Null; // decoded: the raw upload (a job's in-memory copy) is not kept through the queue wait
            cancellationToken.ThrowIfCancellationRequested();
            float[]? output = null;
            if (request.Operation is var op and not Operation.Preprocess)
            {
                var work = new InferenceWork(op, input, request.Sampler, request.Seed, cancellationToken, progress);
                output = await host.SubmitAsync(work);
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

    /// <summary>FIF or the preprocessed safetensors layout, told apart by the first bytes (never by name or content type).</summary>
    private Preprocessed Decode(Stream upload, string fileName, InputOptions options, PhaseTimer timer)
    {
        var content = Seekable(upload);
        Span<byte> head = stackalloc byte[16];
        int read = content.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        content.Position = 0;
        if (read == 0) throw new FifFormatException($"'{fileName}' is empty.");

        if (SafeTensorsFile.LooksLikeSafeTensors(head[..read]))
        {
            using (timer.Measure("parse"))
                return engine.ReadPreprocessed(content, options);
        }

        Engine.Fif.RawRecording recording;
        using (timer.Measure("parse"))
            recording = engine.ReadFif(content, fileName);
        using (timer.Measure("preprocess"))
            return engine.Preprocess(recording, options);
    }

    private static Stream Seekable(Stream upload)
    {
        if (upload.CanSeek) return upload;
        var copy = new MemoryStream();
        upload.CopyTo(copy);
        copy.Position = 0;
        return copy;
    }
}
