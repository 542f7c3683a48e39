using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;

namespace Zuna.Api.Jobs;

[JsonConverter(typeof(JsonStringEnumConverter<JobStatus>))]
public enum JobStatus { Queued, Running, Succeeded, Failed, Canceled }

/// <summary>Progress as clients see it: epochs finished, and diffusion steps done in the current batch.</summary>
public sealed record JobProgress(int EpochsDone, int EpochsTotal, int StepsDone, int StepsTotal)
{
    public static JobProgress None { get; } = new(0, 0, 0, 0);
}

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
    ProblemDetails? Error,
    int Attempts = 0,
    Guid? BatchId = null,
    string? FileName = null);

/// <summary>
/// One job as the store keeps it. <see cref="State"/> is the stored state: a claimed job is <c>running</c> from the claim,
/// but clients see it <c>queued</c> until the worker starts on it (<see cref="StartedAt"/>), as they did before jobs were stored.
/// </summary>
public sealed record JobRow(
    Guid Id,
    Guid? BatchId,
    int BatchIndex,
    string Operation,
    string Format,
    string FileName,
    string Request,
    JobStatus State,
    string? IdempotencyKey,
    string Fingerprint,
    int Attempts,
    string? Owner,
    bool CancelRequested,
    JobProgress Progress,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset? ExpiresAt,
    long? ResultBytes,
    string? Error)
{
    public bool IsFinished => State is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Canceled;

    /// <summary>What clients see; <paramref name="live"/>: the progress of a run on this replica, fresher than the stored one.</summary>
    public JobSnapshot Snapshot(LiveProgress? live = null) => new(
        Id, Operation,
        State == JobStatus.Running && StartedAt is null && live is null ? JobStatus.Queued : State,
        live?.Progress ?? Progress, CreatedAt, StartedAt ?? live?.StartedAt, FinishedAt, ExpiresAt,
        State == JobStatus.Succeeded ? $"/v1/jobs/{Id}/result" : null, ResultBytes,
        Error is null ? null : JsonSerializer.Deserialize<ProblemDetails>(Error), Attempts, BatchId, FileName);
}

/// <summary>Progress of a job running on this replica, once the worker started on it.</summary>
public sealed record LiveProgress(JobProgress Progress, DateTimeOffset StartedAt);

/// <summary>A job to store: everything needed to run it after a restart, on any replica.</summary>
/// <param name="Request">The <see cref="Requests.InferenceRequest"/> as JSON (seed resolved).</param>
/// <param name="Fingerprint">Hash of what the client sent (fields and file), compared under an Idempotency-Key.</param>
/// <param name="OpenUpload">Opens the uploaded file; the store copies it before it answers.</param>
public sealed record NewJob(Guid Id, string Operation, string Format, string FileName, string Request, string Fingerprint,
    Func<Stream> OpenUpload);

/// <summary>A replica's claim on a job it stores and starts itself (<see cref="IJobStore.SubmitAndClaimAsync"/>).</summary>
public sealed record JobClaim(string Owner, TimeSpan Lease);

/// <summary>The outcome of a submission: the jobs stored, or the job an earlier submission under the same key created.</summary>
public sealed record Submitted(IReadOnlyList<JobRow> Jobs, bool Replayed);

/// <summary>What DELETE did.</summary>
public enum CancelOutcome { NotFound, Canceled, CancelRequested, Deleted }

/// <summary>What a lease renewal learned.</summary>
public enum LeaseState { Held, CancelRequested, Lost }

/// <summary>Counts per state, for the zuna_jobs gauge and batch status.</summary>
public sealed record JobCounts(int Queued, int Running, int Succeeded, int Failed, int Canceled)
{
    public static JobCounts Empty { get; } = new(0, 0, 0, 0, 0);
    public int Total => Queued + Running + Succeeded + Failed + Canceled;
    public int Finished => Succeeded + Failed + Canceled;
}

/// <summary>What one retention pass did.</summary>
public sealed record SweepResult(int Requeued, int GaveUp, int ExpiredResults, JobCounts Counts);

/// <summary>A change to a job committed by some replica, as PostgreSQL's notifications carry it.</summary>
public sealed record JobChange(Guid Id, JobStatus State, bool CancelRequested);
