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

    /// <summary>True when one process owns the store (SQLite): what it finds claimed at start was left by a crash.</summary>
    public virtual bool SingleProcess => false;

    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>A write transaction; taken at once, so two writers never deadlock upgrading a read lock.</summary>
    public virtual async Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(cancellationToken);

    /// <summary>Database-wide settings, before the schema is created.</summary>
    public virtual Task PrepareDatabaseAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Serialises schema creation between replicas starting together.</summary>
    public virtual Task LockSchemaAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
