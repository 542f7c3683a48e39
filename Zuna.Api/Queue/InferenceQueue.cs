using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Zuna.Api.Errors;
using Zuna.Api.Options;
using Zuna.Api.Telemetry;

namespace Zuna.Api.Queue;

/// <summary>
/// Admission and batching, apart from the model (as text-embeddings-inference separates queue, batching task and
/// backend): requests enter through <see cref="Submit"/>, the backend's inference thread takes batches through
/// <see cref="NextBatch"/>, and nothing flows back except each request's own completion.
/// The count of waiting requests — not the channel, which would keep a cancelled request's slot until it is read —
/// bounds the queue: a full queue is refused (429), never waited on. A request stops waiting only when it gets its
/// first batch slice, so its slot, its queue time and a job's "running" status all start there.
/// </summary>
public sealed class InferenceQueue
{
    private readonly QueueOptions _options;
    private readonly ZunaTelemetry _telemetry;
    private readonly Channel<InferenceWork> _channel;
    private int _admitted;   // accepted requests that may still queue work (see Admit)
    private int _closing;    // 1 once draining began
    private readonly BatchAssembler _assembler;
    private int _waiting;

    public InferenceQueue(IOptions<ZunaOptions> options, ZunaTelemetry telemetry)
    {
        _options = options.Value.Queue;
        _telemetry = telemetry;
        _channel = Channel.CreateUnbounded<InferenceWork>(new UnboundedChannelOptions { SingleReader = true });
        _assembler = new BatchAssembler(_channel.Reader, options.Value.Batching, this);
        telemetry.ObserveQueueDepth(() => Depth);
    }

    public int Depth => Volatile.Read(ref _waiting);
    public int Capacity => _options.Capacity;
    private int MaxBatchEpochs => _assembler.MaxBatchEpochs;

    /// <summary>
    /// Room for one more request right now: checked before an upload is parsed, so an overloaded service answers 429
    /// without spending CPU on work it would refuse. <see cref="Submit"/> still makes the binding check.
    /// </summary>
    public void EnsureRoom()
    {
        if (Depth >= Capacity) throw new QueueFullException(Capacity, RetryAfterSeconds());
    }

    /// <summary>Queues a request; the task completes with its output, or faults/cancels.</summary>
    /// <exception cref="QueueFullException">The queue holds <see cref="Capacity"/> waiting requests.</exception>
    /// <exception cref="ServiceNotReadyException">Draining began: the queue takes nothing new.</exception>
    public Task<float[]> Submit(InferenceWork work)
    {
        if (Interlocked.Increment(ref _waiting) > Capacity)
        {
            Interlocked.Decrement(ref _waiting);
            throw new QueueFullException(Capacity, RetryAfterSeconds());
        }
        work.EnqueuedAt = Stopwatch.GetTimestamp();
        if (!_channel.Writer.TryWrite(work)) // refused only once completed
        {
            Interlocked.Decrement(ref _waiting);
            throw new ServiceNotReadyException("The service is shutting down and accepts no new work.");
        }
        // A request that gives up while waiting leaves the queue at once (its slot is freed for others).
        var registration = work.CancellationToken.Register(static state =>
        {
            var (queue, w) = ((InferenceQueue, InferenceWork))state!;
            queue.TryLeave(w);
            w.Completion.TrySetCanceled(w.CancellationToken);
        }, (this, work));
        // A job's token lives as long as the job (its whole TTL); left registered, the callback would keep the input
        // epochs and the output alive with it.
        _ = work.Completion.Task.ContinueWith(static (_, r) => ((CancellationTokenRegistration)r!).Dispose(), registration,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return work.Completion.Task;
    }

    /// <summary>The next batch (inference thread only; blocks), or null once the queue is closed and empty or <paramref name="stop"/> fires.</summary>
    public IReadOnlyList<BatchSlice>? NextBatch(CancellationToken stop) => _assembler.Next(stop);

    /// <summary>
    /// Holds the queue open for one accepted request until it has queued all its work: a request still reading and
    /// preprocessing its upload when draining begins is finished, not answered 503. Refused once draining has begun.
    /// </summary>
    /// <exception cref="ServiceNotReadyException">Draining began: the queue takes nothing new.</exception>
    public IDisposable Admit()
    {
        Interlocked.Increment(ref _admitted);
        if (Volatile.Read(ref _closing) != 0)
        {
            ReleaseAdmission();
            throw new ServiceNotReadyException("The service is shutting down and accepts no new work.");
        }
        return new Admission(this);
    }

    /// <summary>
    /// Takes no new requests; the channel completes once the admitted ones have queued their work, and what is queued
    /// still drains through <see cref="NextBatch"/>. <paramref name="force"/>: complete it now (the drain's grace is over).
    /// </summary>
    public void Close(bool force = false)
    {
        Interlocked.Exchange(ref _closing, 1);   // a full fence: an Admit either sees it or is counted below
        if (force || Volatile.Read(ref _admitted) == 0) _channel.Writer.TryComplete();
    }

    private void ReleaseAdmission()
    {
        if (Interlocked.Decrement(ref _admitted) == 0 && Volatile.Read(ref _closing) != 0) _channel.Writer.TryComplete();
    }

    private sealed class Admission(InferenceQueue queue) : IDisposable
    {
        private int _released;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) queue.ReleaseAdmission();
        }
    }

    /// <summary>Fails everything still waiting (the backend is gone).</summary>
    public void FailRemaining(Exception reason) => _assembler.FailRemaining(reason);

    /// <summary>
    /// Called by the assembler when a request gets its first batch slice: it stops waiting now. False: it was
    /// cancelled meanwhile.
    /// </summary>
    internal bool TryStart(InferenceWork work)
    {
        if (!TryLeave(work)) return false;
        double wait = Stopwatch.GetElapsedTime(work.EnqueuedAt).TotalSeconds;
        work.Timings.QueueSeconds = wait;
        work.Progress?.Report(new WorkProgress(0, work.Input.EpochCount, 0, 0)); // a job turns "running" here
        _telemetry.RecordPhase("queue", wait);
        using var span = ZunaTelemetry.Source.StartActivity("queue", ActivityKind.Internal, work.Parent,
            startTime: DateTimeOffset.UtcNow - TimeSpan.FromSeconds(wait));
        return true;
    }

    /// <summary>Takes a waiting request out of the count; false when its cancellation (or the worker) already did.</summary>
    internal bool TryLeave(InferenceWork work)
    {
        if (!work.TryClaim()) return false;
        Interlocked.Decrement(ref _waiting);
        return true;
    }

    private int RetryAfterSeconds() => 1 + Depth / Math.Max(1, MaxBatchEpochs);
}
