using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Zuna.Api.Jobs.Store;

/// <summary>
/// SQLite in <c>Zuna:Jobs:Directory</c> (jobs.db in WAL mode), owned by one process at a time through an exclusive lock on
/// <c>zuna.lock</c>. Submissions, cancels and retention commit with synchronous=FULL: the WAL is fsynced before the commit
/// returns, so an accepted job survives a power loss. The worker's bookkeeping (claim, lease, outcome) commits with
/// synchronous=NORMAL: in WAL mode that survives any process crash (the write is in the OS cache) and a power loss can only
/// undo the last such commits, which re-runs a job (<see cref="SqlDialect.OpenForWorkerAsync"/>); the next FULL commit
/// makes them durable too, as the WAL is one sequential file. <see cref="InMemory"/> is the same engine without durability
/// (Zuna:Jobs:Store=memory), for tests and for measuring what durability costs.
/// </summary>
public sealed class SqliteDialect : SqlDialect
{
    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly string _workerPragmas;
    private readonly FileStream? _ownership;
    private readonly DirectoryInfo? _throwaway;

    private SqliteDialect(string connectionString, string synchronous, string workerSynchronous, FileStream? ownership, DirectoryInfo? throwaway,
        string engine)
    {
        _connectionString = connectionString;
        _pragmas = $"PRAGMA busy_timeout=30000; PRAGMA synchronous={synchronous};";
        _workerPragmas = $"PRAGMA busy_timeout=30000; PRAGMA synchronous={workerSynchronous};";
        _ownership = ownership;
        _throwaway = throwaway;
        Engine = engine;
    }

    public override string Engine { get; }
    public override string BlobType => "BLOB";
    public override bool SingleProcess => true;

    public static SqliteDialect InDirectory(string directory)
    {
        Directory.CreateDirectory(directory);
        FileStream ownership;
        try
        {
            // FileShare.None takes an advisory exclusive lock on Unix; the OS drops it when the process dies (even kill -9).
            ownership = new FileStream(Path.Combine(directory, "zuna.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException(
                $"Another zuna process uses the job store in '{Path.GetFullPath(directory)}'. SQLite serves one process; " +
                "give each its own Zuna:Jobs:Directory, or share a queue with Zuna:Jobs:Store=postgres.", e);
        }
        var builder = new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory, "jobs.db"), Pooling = true, DefaultTimeout = 30 };
        return new SqliteDialect(builder.ToString(), "FULL", "NORMAL", ownership, null, "sqlite");
    }

    /// <summary>
    /// Not durable: a throwaway database in the temp folder with fsync off (shared-cache in-memory SQLite would lock whole
    /// tables against each other), deleted when the store is disposed.
    /// </summary>
    public static SqliteDialect InMemory()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("zuna-jobs-");
        var builder = new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory.FullName, "jobs.db"), Pooling = true, DefaultTimeout = 30 };
        return new SqliteDialect(builder.ToString(), "OFF", "OFF", null, directory, "memory");
    }

    public override Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => OpenAsync(_pragmas, cancellationToken);

    public override Task<DbConnection> OpenForWorkerAsync(CancellationToken cancellationToken) => OpenAsync(_workerPragmas, cancellationToken);

    private async Task<DbConnection> OpenAsync(string pragmas, CancellationToken cancellationToken)
    {
        // Pooled connections keep their settings: each open sets the synchronous level its caller needs.
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        using var command = connection.CreateCommand();
        command.CommandText = pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    public override async Task PrepareDatabaseAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL"; // persistent; readers never block the writer
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_ownership is not null) await _ownership.DisposeAsync();
        if (_throwaway is not null)
        {
            SqliteConnection.ClearAllPools(); // pooled connections keep the file open
            _throwaway.Delete(recursive: true);
        }
        await base.DisposeAsync();
    }
}
