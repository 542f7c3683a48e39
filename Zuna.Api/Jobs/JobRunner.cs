using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Zuna.Api.Backend;
using Zuna.Api.Errors;
using Zuna.Api.Formatting;
using Zuna.Api.Options;
using Zuna.Api.Requests;
using Zuna.Api.Telemetry;
using Zuna.Engine;
using Zuna.Engine.Inference;

namespace Zuna.Api.Jobs;

/// <summary>
/// This replica's worker: claims queued jobs from the store (up to Zuna:Jobs:MaxConcurrent at once, so the
/// <see cref="Queue.InferenceQueue"/> can batch them together and with synchronous requests), runs each through the same
/// <see cref="InferenceService"/> as the synchronous endpoints, renews its lease while it runs, and stores the outcome.
/// </summary>
public sealed class JobRunner(IJobStore store, LocalJobs local, InferenceService inference, RepairService repairs, ModelHost host,
    ZunaTelemetry telemetry, IOptions<ZunaOptions> options, ILogger<JobRunner> logger) : BackgroundService
{
    private readonly JobsOptions _options = options.Value.Jobs;
    private readonly CancellationTokenSource _shutdown = new();

    /// <summary>Names this process in the store's leases.</summary>
    public string Owner { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    private TimeSpan Lease => TimeSpan.FromSeconds(_options.LeaseSeconds);
    private TimeSpan Poll => TimeSpan.FromMilliseconds(_options.PollMilliseconds);

    // Free places for jobs (Zuna:Jobs:MaxConcurrent), taken by the claim loop and by submissions this replica starts itself.
    private SemaphoreSlim? _slots;
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private volatile bool _accepting;
    private volatile bool _waitingForPlace;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _slots = new SemaphoreSlim(_options.MaxConcurrent, _options.MaxConcurrent);
        _accepting = true;
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            var wake = local.NextWork(); // taken before claiming, so work that arrives while this claims is not slept through
            // Claim only what can run now: a replica that is loading or draining leaves the queue to the others.
            while (host.IsReady)
            {
                // Raised before looking, so a run that frees a place right after the look still sees it and wakes this loop.
                _waitingForPlace = true;
                if (!_slots.Wait(0)) break; // work may be queued: the next run to finish wakes this loop
                _waitingForPlace = false;
                if (await TryClaimAsync(stoppingToken) is not { } job)
                {
                    _slots.Release();
                    break;
                }
                Track(RunAsync(job));
            }
            await LocalJobs.WaitAsync(wake, Poll, stoppingToken);
        }
        _accepting = false;
        // Jobs already running finish within the shutdown grace; after it they go back to the queue for another replica.
        var all = Task.WhenAll(_running.Keys);
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(options.Value.Limits.ShutdownTimeoutSeconds), CancellationToken.None));
        await _shutdown.CancelAsync();
        await Task.WhenAll(_running.Keys);
    }

    /// <summary>
    /// A place for a job being submitted here, when this replica can start it at once (ready, not stopping, a place free);
    /// null otherwise. Pass it to <see cref="IJobStore.SubmitAndClaimAsync"/>, then to <see cref="StartOrRelease"/>.
    /// </summary>
    public JobClaim? ReserveForSubmission() =>
        _accepting && host.IsReady && _slots is { } slots && slots.Wait(0) ? new JobClaim(Owner, Lease) : null;

    /// <summary>
    /// Starts <paramref name="row"/> when the store handed it over claimed by this replica; otherwise gives the place back
    /// (the job waits in the queue) and wakes the claim loop. Never throws, so a reserved place is never lost.
    /// </summary>
    public void StartOrRelease(JobRow? row)
    {
        if (row is { State: JobStatus.Running } && row.Owner == Owner)
        {
            Track(RunAsync(row));
            return;
        }
        _slots!.Release();
        local.WorkArrived();
    }

    private void Track(Task run)
    {
        _running.TryAdd(run, 0);
        run.ContinueWith(finished =>
        {
            _running.TryRemove(finished, out _);
            _slots!.Release();
            // Only when the loop left work for lack of a place: with an empty queue a claim here would be a wasted round
            // trip after every job (new work wakes the loop itself: a local submission, a notification, the poll).
            if (_waitingForPlace)
            {
                _waitingForPlace = false;
                local.WorkArrived();
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task<JobRow?> TryClaimAsync(CancellationToken stoppingToken)
    {
        try
        {
            return await store.ClaimAsync(Owner, Lease, stoppingToken);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Claiming a job failed; retrying after {Poll}", Poll);
            return null;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private async Task RunAsync(JobRow job)
    {
        await Task.Yield();
        var run = local.Start(job.Id);
        local.Changed(job.Id); // followers switch to this run's live progress
        using var token = CancellationTokenSource.CreateLinkedTokenSource(run.Cancellation.Token, _shutdown.Token);
        using var renewal = new CancellationTokenSource();
        var renewing = RenewAsync(job, run, renewal.Token);
        try
        {
            await RunToStoreAsync(job, run, token.Token);
        }
        catch (Exception e)
        {
            await StoreFailureAsync(job, run, e);
        }
        finally
        {
            await renewal.CancelAsync();
            await renewing;
            local.End(run);
        }
    }

    private async Task RunToStoreAsync(JobRow job, RunningJob run, CancellationToken token)
    {
        var format = Enum.Parse<OutputFormat>(job.Format, ignoreCase: true);
        var upload = new MemoryStream();
        await using (var input = await store.OpenInputAsync(job.Id, token))
            await input.CopyToAsync(upload, token);
        upload.Position = 0;
        var writeResult = job.Operation == OperationNames.Name(Operation.Repair)
            ? await RepairJob.RunAsync(repairs, job, upload, format, run, new PhaseTimer(telemetry), logger, token)
            : await RunInferenceAsync(job, upload, format, run, token);
        run.MarkStarted();
        // Written straight into the store's chunks: a large result never sits whole in memory.
        if (!await store.SucceedAsync(job.Id, Owner, writeResult, run.Progress, token))
            logger.LogWarning("Job {JobId} finished here after its lease was lost; the replica that took it over stores its result", job.Id);
    }

    private async Task<Func<Stream, CancellationToken, Task>> RunInferenceAsync(JobRow job, MemoryStream upload, OutputFormat format, RunningJob run, CancellationToken token)
    {
        var request = JsonSerializer.Deserialize<InferenceRequest>(job.Request)
                      ?? throw new InvalidDataException($"Job {job.Id} has no request.");
        // Model work turns "running" when the worker takes it (first progress report); preprocessing runs now.
        if (request.Operation == Operation.Preprocess) run.MarkStarted();
        var outcome = await inference.RunAsync(upload, job.FileName, request, new PhaseTimer(telemetry),
            new InlineProgress<Queue.WorkProgress>(run.Report), token);
        ResultWriter.EnsureWritable(outcome, format);
        return (destination, ct) => ResultWriter.WriteAsync(outcome, format, destination, ct);
    }

    private async Task StoreFailureAsync(JobRow job, RunningJob run, Exception e)
    {
        try
        {
            if (e is OperationCanceledException && run.Cancellation.IsCancellationRequested)
            {
                await store.FinishAsync(job.Id, Owner, JobStatus.Canceled, null, CancellationToken.None);
                return;
            }
            if (e is OperationCanceledException && _shutdown.IsCancellationRequested)
            {
                await store.ReleaseAsync(job.Id, Owner, countAttempt: false, CancellationToken.None);
                return;
            }
            var problem = ErrorMapping.ToProblem(e is OperationCanceledException
                ? new ServiceNotReadyException("The service shut down before the job finished.") : e);
            // A server-side failure may pass on another try; an unusable input never will.
            if (problem.Status >= 500 && job.Attempts < _options.MaxAttempts)
            {
                logger.LogWarning(e, "Job {JobId} failed on attempt {Attempt}; it goes back to the queue", job.Id, job.Attempts);
                await store.ReleaseAsync(job.Id, Owner, countAttempt: true, CancellationToken.None);
                return;
            }
            if (problem.Status >= 500) logger.LogError(e, "Job {JobId} failed after {Attempts} attempts", job.Id, job.Attempts);
            await store.FinishAsync(job.Id, Owner, JobStatus.Failed, JsonSerializer.Serialize(problem), CancellationToken.None);
        }
        catch (Exception storeError)
        {
            // The store is unreachable: the lease runs out and the job is re-queued, here or elsewhere.
            logger.LogError(storeError, "Recording the outcome of job {JobId} failed", job.Id);
        }
    }

    /// <summary>Renews the lease every third of it (and once when the worker starts, so every replica sees "running").</summary>
    private async Task RenewAsync(JobRow job, RunningJob run, CancellationToken stop)
    {
        var every = Lease / 3;
        bool startReported = false;
        while (!stop.IsCancellationRequested)
        {
            var tick = Task.Delay(every, stop);
            await Task.WhenAny(tick, startReported ? tick : run.Started);
            if (stop.IsCancellationRequested) return;
            startReported |= run.Started.IsCompleted;
            try
            {
                var state = await store.RenewAsync(job.Id, Owner, Lease, run.Progress, run.Started.IsCompleted, stop);
                if (state == LeaseState.CancelRequested) await run.Cancellation.CancelAsync(); // DELETE on another replica
                if (state == LeaseState.Lost)
                {
                    run.Lost = true;
                    await run.Cancellation.CancelAsync();
                    return;
                }
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                logger.LogWarning(e, "Renewing the lease of job {JobId} failed", job.Id);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public override void Dispose()
    {
        _shutdown.Dispose();
        _slots?.Dispose();
        base.Dispose();
    }
}
