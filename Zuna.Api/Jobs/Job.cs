using System.Text.Json.Serialization;
using System.Threading.Channels;
using Microsoft.AspNetCore.Mvc;
using Zuna.Api.Formatting;
using Zuna.Api.Queue;

namespace Zuna.Api.Jobs;

[JsonConverter(typeof(JsonStringEnumConverter<JobStatus>))]
public enum JobStatus { Queued, Running, Succeeded, Failed, Canceled }

/// <summary>Progress as clients see it: epochs finished, and diffusion steps done in the current batch.</summary>
public sealed record JobProgress(int EpochsDone, int EpochsTotal, int StepsDone, int StepsTotal);

/// <summary>What GET /v1/jobs/{id} and each SSE event carry.</summary>
public sealed record JobSnapshot(
    Guid Id,
    string Operation,
    JobStatus Status,
    JobProgress Progress,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset? ExpiresAt,
    string? ResultUrl,
    long? ResultBytes,
    ProblemDetails? Error);

/// <summary>
/// One asynchronous request. State changes go through the methods below (thread-safe); every change is
/// pushed to the job's SSE subscribers.
/// </summary>
public sealed class Job(Guid id, string operation, OutputFormat format, string fileName)
{
    private readonly Lock _gate = new();
    private readonly List<Channel<JobSnapshot>> _subscribers = [];
    private JobProgress _progress = new(0, 0, 0, 0);

    public Guid Id { get; } = id;
    public string Operation { get; } = operation;
    public OutputFormat Format { get; } = format;
    public string FileName { get; } = fileName;
    public CancellationTokenSource Cancellation { get; } = new();
    public JobStatus Status { get; private set; } = JobStatus.Queued;
    public DateTimeOffset CreatedAt { get; } = DateTimeOffset.UtcNow;
    public DateTimeOffset? StartedAt { get; private set; }
    public DateTimeOffset? FinishedAt { get; private set; }
    public DateTimeOffset? ExpiresAt { get; private set; }
    public byte[]? Result { get; private set; }
    public ProblemDetails? Error { get; private set; }
    public bool IsFinished => Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Canceled;

    public JobSnapshot Snapshot()
    {
        lock (_gate) return SnapshotLocked();
    }

    public void Report(WorkProgress progress) => Change(() =>
    {
        if (Status == JobStatus.Queued) { Status = JobStatus.Running; StartedAt ??= DateTimeOffset.UtcNow; }
        _progress = new JobProgress(progress.EpochsDone, progress.EpochsTotal, progress.StepsDone, progress.StepsTotal);
    });

    public void MarkRunning() => Change(() => { Status = JobStatus.Running; StartedAt ??= DateTimeOffset.UtcNow; });

    public void Succeed(byte[] result, TimeSpan ttl) => Finish(JobStatus.Succeeded, ttl, () =>
    {
        Result = result;
        _progress = _progress with { EpochsDone = _progress.EpochsTotal };
    });

    public void Fail(ProblemDetails error, TimeSpan ttl) => Finish(JobStatus.Failed, ttl, () => Error = error);

    public void Cancel(TimeSpan ttl) => Finish(JobStatus.Canceled, ttl, () => { });

    /// <summary>Frees the result (evicted for space or expired).</summary>
    public void DropResult() { lock (_gate) Result = null; }

    /// <summary>Snapshots from now on, starting with the current one; completes after the terminal snapshot.</summary>
    public ChannelReader<JobSnapshot> Subscribe()
    {
        // Only the newest progress matters to a slow reader; the terminal snapshot is the last write, so it is kept.
        var channel = Channel.CreateBounded<JobSnapshot>(new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_gate)
        {
            channel.Writer.TryWrite(SnapshotLocked());
            if (IsFinished) channel.Writer.TryComplete();
            else _subscribers.Add(channel);
        }
        return channel.Reader;
    }

    public void Unsubscribe(ChannelReader<JobSnapshot> reader)
    {
        lock (_gate) _subscribers.RemoveAll(c => c.Reader == reader);
    }

    private JobSnapshot SnapshotLocked() =>
        new(Id, Operation, Status, _progress, CreatedAt, StartedAt, FinishedAt, ExpiresAt,
            Status == JobStatus.Succeeded ? $"/v1/jobs/{Id}/result" : null, Result?.LongLength, Error);

    private void Finish(JobStatus status, TimeSpan ttl, Action apply) => Change(() =>
    {
        if (IsFinished) return;
        apply();
        Status = status;
        FinishedAt = DateTimeOffset.UtcNow;
        ExpiresAt = FinishedAt + ttl;
    });

    private void Change(Action apply)
    {
        lock (_gate)
        {
            if (IsFinished) return;
            apply();
            var snapshot = SnapshotLocked();
            foreach (var s in _subscribers)
            {
                s.Writer.TryWrite(snapshot);
                if (IsFinished) s.Writer.TryComplete();
            }
            if (IsFinished) _subscribers.Clear();
        }
    }
}
