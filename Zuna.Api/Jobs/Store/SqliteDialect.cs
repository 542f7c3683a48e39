using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Zuna.Api.Jobs.Store;

/// <summary>
/// SQLite in <c>Zuna:Jobs:Directory</c> (jobs.db, WAL, synchronous=FULL: a commit is on disk before it returns), owned by
/// one process at a time through an exclusive lock on <c>zuna.lock</c>. <see cref="InMemory"/> is the same engine without
/// durability (Zuna:Jobs:Store=memory), for tests and for measuring what durability costs.
/// </summary>
public sealed class SqliteDialect : SqlDialect
{
    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly FileStream? _ownership;
    private readonly DirectoryInfo? _throwaway;

    private SqliteDialect(string connectionString, string pragmas, FileStream? ownership, DirectoryInfo? throwaway, string engine)
    {
        _connectionString = connectionString;
        _pragmas = pragmas;
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
        return new SqliteDialect(builder.ToString(), "PRAGMA busy_timeout=30000; PRAGMA synchronous=FULL;", ownership, null, "sqlite");
    }

    /// <summary>
    /// Not durable: a throwaway database in the temp folder with fsync off (shared-cache in-memory SQLite would lock whole
    /// tables against each other), deleted when the store is disposed.
    /// </summary>
    public static SqliteDialect InMemory()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("zuna-jobs-");
        var builder = new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory.FullName, "jobs.db"), Pooling = true, DefaultTimeout = 30 };
        return new SqliteDialect(builder.ToString(), "PRAGMA busy_timeout=30000; PRAGMA synchronous=OFF;", null, directory, "memory");
    }

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        using var pragmas = connection.CreateCommand();
        pragmas.CommandText = _pragmas;
        await pragmas.ExecuteNonQueryAsync(cancellationToken);
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
