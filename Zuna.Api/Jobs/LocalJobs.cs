using System.Collections.Concurrent;
using System.Threading.Channels;
using Zuna.Api.Queue;

namespace Zuna.Api.Jobs;

/// <summary>
/// The jobs this replica is running, and wake-ups: a submission wakes the claim loop, a change wakes the SSE streams
/// following a job. Changes on other replicas arrive through <see cref="JobNotifications"/> (PostgreSQL LISTEN/NOTIFY);
/// polling the store (Zuna:Jobs:PollMilliseconds) remains the fallback, so nothing here is needed for correctness, only
/// for promptness.
/// </summary>
public sealed class LocalJobs
{
    private readonly ConcurrentDictionary<Guid, RunningJob> _running = new();
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _changes = new();
    private TaskCompletionSource _work = NewSignal();

    public RunningJob Start(Guid id) => _running[id] = new RunningJob(id);

    public RunningJob? Find(Guid id) => _running.GetValueOrDefault(id);

    /// <summary>The run ended and its outcome is stored: followers re-read the store.</summary>
    public void End(RunningJob job)
    {
        _running.TryRemove(job.Id, out _);
        job.Complete();
        Changed(job.Id);
    }

    public void Changed(Guid id)
    {
        if (_changes.TryRemove(id, out var signal)) signal.TrySetResult();
    }

    /// <summary>Waits for a local change of the job, at most <paramref name="timeout"/> (then the caller polls the store).</summary>
    public Task WaitForChangeAsync(Guid id, TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitAsync(_changes.GetOrAdd(id, _ => NewSignal()).Task, timeout, cancellationToken);

    /// <summary>Work was queued (here, or on another replica as PostgreSQL notified): wakes the claim loop.</summary>
    public void WorkArrived() => Interlocked.Exchange(ref _work, NewSignal()).TrySetResult();

    /// <summary>
    /// Completes at the next <see cref="WorkArrived"/>. The claim loop takes it before it looks for work, so a job stored
    /// while the loop is still claiming wakes it at once rather than after a poll interval.
    /// </summary>
    public Task NextWork() => Volatile.Read(ref _work).Task;

    /// <summary>Waits for <paramref name="signal"/>, at most <paramref name="timeout"/>; never throws.</summary>
    public static Task WaitAsync(Task signal, TimeSpan timeout, CancellationToken cancellationToken) =>
        signal.WaitAsync(timeout, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>A job running on this replica: its cancellation, live progress, and the SSE streams following it.</summary>
public sealed class RunningJob(Guid id)
{
    private readonly Lock _gate = new();
    private readonly List<Channel<LiveProgress>> _followers = [];
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LiveProgress? _live;

    public Guid Id { get; } = id;
    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>Set when the store says another replica owns the job now; this run's outcome is then not written.</summary>
    public bool Lost { get; set; }

    /// <summary>Null until the worker starts on the job (first progress report, or at once for preprocessing).</summary>
    public LiveProgress? Live { get { lock (_gate) return _live; } }

    public JobProgress Progress => Live?.Progress ?? JobProgress.None;

    /// <summary>Completes when the worker starts on the job.</summary>
    public Task Started => _started.Task;

    public void MarkStarted() => Update(p => p);

    public void Report(WorkProgress progress) =>
        Update(_ => new JobProgress(progress.EpochsDone, progress.EpochsTotal, progress.StepsDone, progress.StepsTotal));

    /// <summary>Progress from now on (the current first, if started); completes when the run ends.</summary>
    public ChannelReader<LiveProgress> Follow()
    {
        // Only the newest progress matters to a slow reader.
        var channel = Channel.CreateBounded<LiveProgress>(new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_gate)
        {
            if (_live is not null) channel.Writer.TryWrite(_live);
            _followers.Add(channel);
        }
        return channel.Reader;
    }

    public void Unfollow(ChannelReader<LiveProgress> reader)
    {
        lock (_gate) _followers.RemoveAll(c => c.Reader == reader);
    }

    internal void Complete()
    {
        lock (_gate)
        {
            foreach (var follower in _followers) follower.Writer.TryComplete();
            _followers.Clear();
        }
    }

    private void Update(Func<JobProgress, JobProgress> change)
    {
        lock (_gate)
        {
            _live = new LiveProgress(change(_live?.Progress ?? JobProgress.None), _live?.StartedAt ?? DateTimeOffset.UtcNow);
            foreach (var follower in _followers) follower.Writer.TryWrite(_live);
        }
        _started.TrySetResult();
    }
}
