namespace Zuna.Api.Jobs;

/// <summary>
/// Where jobs live: durable, shared by every replica that points at it. Two engines implement it (SQLite for one
/// machine, PostgreSQL for a fleet; <see cref="Store.SqlJobStore"/>). Every method is safe to call from any replica.
/// Times come from the caller's clock, so replicas are assumed NTP-synchronised (leases are tens of seconds).
/// </summary>
public interface IJobStore
{
    /// <summary>sqlite, postgres or memory (tests); shown by /v1/info.</summary>
    string Engine { get; }

    /// <summary>Creates the tables if missing; on a single-machine store, puts back jobs a crashed run left claimed.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    // ---- clients ----

    /// <summary>
    /// Stores the jobs and their uploads in one transaction; returns once it is durable. Under an
    /// <paramref name="idempotencyKey"/> (one job only) an existing job with that key is returned instead (Replayed). New jobs
    /// that would take the queue past Zuna:Jobs:MaxQueued are refused (<see cref="Errors.QueueFullException"/>, a 429),
    /// counted in the same round trip as the first insert.
    /// </summary>
    Task<Submitted> SubmitAsync(IReadOnlyList<NewJob> jobs, Guid? batchId, string? idempotencyKey, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="SubmitAsync"/> for one job that the submitting replica can start at once: unless another job is
    /// waiting (it keeps its turn), the job is stored already claimed under <paramref name="claim"/> (attempt 1) and
    /// returned running, which saves the claim's round trip and the worker's wake-up. The caller then runs it or, if it
    /// cannot, lets the lease run out (the job is re-queued like one whose replica died).
    /// </summary>
    Task<Submitted> SubmitAndClaimAsync(NewJob job, string? idempotencyKey, JobClaim claim, CancellationToken cancellationToken);

    /// <summary>The job, or null when unknown, deleted or expired.</summary>
    Task<JobRow?> FindAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The items of a batch in submission order; null when the batch is unknown.</summary>
    Task<IReadOnlyList<JobRow>?> FindBatchAsync(Guid batchId, CancellationToken cancellationToken);

    /// <summary>Queued → canceled; running → cancel requested (the claiming replica stops it); finished → deleted.</summary>
    Task<CancelOutcome> CancelAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Cancels every unfinished item of a batch; returns how many were still unfinished.</summary>
    Task<int> CancelBatchAsync(Guid batchId, CancellationToken cancellationToken);

    /// <summary>The result, read in chunks as the caller reads (never whole in memory); null when there is none.</summary>
    Task<Stream?> OpenResultAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Jobs waiting to be claimed.</summary>
    Task<int> CountQueuedAsync(CancellationToken cancellationToken);

    // ---- workers ----

    /// <summary>Claims the oldest queued job under a lease, counting the attempt; null when none is queued.</summary>
    Task<JobRow?> ClaimAsync(string owner, TimeSpan lease, CancellationToken cancellationToken);

    Task<Stream> OpenInputAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Extends the lease and records progress (and the start, once); tells whether a cancel was asked or the job was lost.</summary>
    Task<LeaseState> RenewAsync(Guid id, string owner, TimeSpan lease, JobProgress progress, bool started, CancellationToken cancellationToken);

    /// <summary>
    /// Stores the result as <paramref name="writeResult"/> writes it (straight into the store, chunk by chunk, never whole
    /// in memory) and marks the job succeeded, evicting the oldest results if the total would pass the cap; a result past
    /// Zuna:Jobs:MaxResultBytes ends the job failed (413) instead. False when the lease was lost meanwhile (another replica
    /// owns the job now). <paramref name="cancellationToken"/> stops the writing; once written, the outcome is stored.
    /// </summary>
    Task<bool> SucceedAsync(Guid id, string owner, Func<Stream, CancellationToken, Task> writeResult, JobProgress progress,
        CancellationToken cancellationToken);

    /// <summary>Ends a claimed job failed or canceled; <paramref name="problem"/> is the error JSON for failed jobs.</summary>
    Task FinishAsync(Guid id, string owner, JobStatus status, string? problem, CancellationToken cancellationToken);

    /// <summary>Puts a claimed job back in the queue (a retryable failure, or this replica shutting down).</summary>
    Task ReleaseAsync(Guid id, string owner, bool countAttempt, CancellationToken cancellationToken);

    /// <summary>
    /// Delivers the job changes other replicas commit, as they commit (PostgreSQL LISTEN/NOTIFY), until cancelled or the
    /// connection fails (the caller listens again; polling covers the gap). Returns at once where one process owns the store.
    /// </summary>
    Task ListenAsync(Action<JobChange> onChange, CancellationToken cancellationToken);

    // ---- retention ----

    /// <summary>Re-queues jobs whose lease expired (failing those out of attempts), deletes expired jobs; counts per state.</summary>
    Task<SweepResult> SweepAsync(CancellationToken cancellationToken);
}
