using System.Data.Common;

namespace Zuna.Api.Jobs.Store;

/// <summary>
/// What differs between the two engines; <see cref="SqlJobStore"/> holds every query, written in the SQL both accept
/// (named parameters, ON CONFLICT, RETURNING). Times are stored as Unix milliseconds, ids as text.
/// </summary>
public abstract class SqlDialect : IAsyncDisposable
{
    public abstract string Engine { get; }

    /// <summary>The column type of upload and result chunks.</summary>
    public abstract string BlobType { get; }

    /// <summary>Appended to the claim's row choice, so concurrent claimers skip each other's rows instead of waiting.</summary>
    public virtual string SkipLocked => "";

    /// <summary>
    /// True when a lone UPDATE may run in autocommit (PostgreSQL: one round trip, no BEGIN or COMMIT to wait for). SQLite
    /// takes its write lock up front instead (<see cref="BeginAsync"/>): an autocommit UPDATE there could meet a newer
    /// snapshot and fail busy.
    /// </summary>
    public virtual bool AutocommitUpdates => false;

    /// <summary>True when one process owns the store (SQLite): what it finds claimed at start was left by a crash.</summary>
    public virtual bool SingleProcess => false;

    /// <summary>A connection whose commits are durable when they return (submissions, cancels, retention).</summary>
    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// A connection for the worker's own bookkeeping (claim, lease, progress, outcome). Its commits may skip waiting for
    /// the disk: a power loss can undo the last of them, which only puts the job back in the queue or re-runs it (its seed
    /// is fixed at submission, so the result is the same); it never loses an accepted job, and a process crash loses nothing.
    /// </summary>
    public virtual Task<DbConnection> OpenForWorkerAsync(CancellationToken cancellationToken) => OpenAsync(cancellationToken);

    /// <summary>A write transaction; taken at once, so two writers never deadlock upgrading a read lock.</summary>
    public virtual async Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(cancellationToken);

    /// <summary>Database-wide settings, before the schema is created.</summary>
    public virtual Task PrepareDatabaseAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Statements run after the tables are created (PostgreSQL's change notifications).</summary>
    public virtual IEnumerable<string> ExtraSchema => [];

    /// <summary>
    /// Delivers the job changes other replicas commit (id, state, cancel asked) as they commit, until cancelled; returns at
    /// once where one process owns the store (nobody else changes it).
    /// </summary>
    public virtual Task ListenAsync(Action<JobChange> onChange, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Serialises schema creation between replicas starting together.</summary>
    public virtual Task LockSchemaAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
