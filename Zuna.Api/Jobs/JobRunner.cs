using Zuna.Api.Endpoints;
using Zuna.Api.Hosting;
using Zuna.Api.Telemetry;
using Zuna.Engine.Inference;

namespace Zuna.Api.Jobs;

/// <summary>
/// Starts jobs: the upload is copied before the 202 answer (the request's form is gone afterwards), then
/// the request runs in the background through the same <see cref="InferenceService"/> as the synchronous
/// endpoints, with the job's cancellation (DELETE) as its only deadline.
/// </summary>
public sealed class JobRunner(JobStore store, InferenceService inference, IEnginePipeline engine, ZunaTelemetry telemetry,
    ILogger<JobRunner> logger)
{
    /// <summary>Jobs accepted and not yet finished; reserved before the upload is copied, so concurrent submissions cannot all pass the check.</summary>
    private int _active;

    public async Task<Job> StartAsync(Stream upload, string fileName, InferenceRequest request, OutputFormat format,
        string operation, CancellationToken requestAborted)
    {
        var host = inference.Host;
        if (request.Operation != Operation.Preprocess) host.EnsureReady();
        // Jobs hold their upload in memory until it is decoded, so they count against the same bound.
        int capacity = host.Capacity;
        if (Interlocked.Increment(ref _active) > capacity || host.QueueDepth >= capacity)
        {
            int active = Interlocked.Decrement(ref _active);
            throw new QueueFullException(capacity, 1 + active / Math.Max(1, capacity));
        }

        Job job;
        MemoryStream copy;
        try
        {
            copy = new MemoryStream();
            await upload.CopyToAsync(copy, requestAborted);
            copy.Position = 0;
            job = new Job(Guid.NewGuid(), operation, format, fileName);
            store.Add(job);
        }
        catch
        {
            Interlocked.Decrement(ref _active);
            throw;
        }
        _ = RunAsync(job, copy, request);
        return job;
    }

    public void Cancel(Job job)
    {
        if (!job.IsFinished) job.Cancellation.Cancel();
    }

    private async Task RunAsync(Job job, MemoryStream upload, InferenceRequest request)
    {
        await Task.Yield(); // the 202 answer does not wait for the decode
        // Not linked to ApplicationStopping: on SIGTERM a job that already reached the worker finishes within
        // Zuna:Limits:ShutdownTimeoutSeconds like any request (ModelHost cancels what is left after that).
        var token = job.Cancellation.Token;
        var progress = new InlineProgress(job.Report);
        try
        {
            // Model work turns "running" when the worker takes it (first progress report); preprocessing runs now.
            if (request.Operation == Operation.Preprocess) job.MarkRunning();
            var running = inference.RunAsync(upload, job.FileName, request, new PhaseTimer(telemetry), progress, token);
            upload = null!; // InferenceService lets go of the upload once decoded; the queue wait must not hold the raw bytes
            var outcome = await running;
            byte[] result = await ResultSerializer.SerializeAsync(outcome, job.Format, engine, token);
            if (!store.Reserve(result.LongLength, job.Id))
            {
                job.Fail(ErrorMapping.ToProblem(new PayloadTooLargeException(
                    $"The result ({result.LongLength} bytes) exceeds Zuna:Jobs:MaxResultBytes ({store.MaxResultBytes}).")), store.Ttl);
                return;
            }
            job.Succeed(result, store.Ttl);
        }
        catch (OperationCanceledException) when (job.Cancellation.IsCancellationRequested)
        {
            job.Cancel(store.Ttl);
        }
        catch (Exception e)
        {
            if (ErrorMapping.ToProblem(e).Status >= 500) logger.LogError(e, "Job {JobId} failed", job.Id);
            job.Fail(ErrorMapping.ToProblem(e is OperationCanceledException
                ? new ServiceNotReadyException("The service shut down before the job finished.") : e), store.Ttl);
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }

    private sealed class InlineProgress(Action<WorkProgress> report) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => report(value);
    }
}
