using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Zuna.Api.Jobs.Store;

/// <summary>
/// SQLite in <c>Zuna:Jobs:Directory</c> (jobs.db, WAL, synchronous=FULL: a commit is on disk before it returns), owned by
/// one process at a time through an exclusive lock on <c>zuna.lock</c>. <see cref="InMemory"/> is the same engine without
/// durability, for tests and for measuring what durability costs.
/// </summary>
public sealed class SqliteDialect : SqlDialect
{
    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly FileStream? _ownership;
    private readonly SqliteConnection? _keepAlive;

    private SqliteDialect(string connectionString, string pragmas, FileStream? ownership, SqliteConnection? keepAlive, string engine)
    {
        _connectionString = connectionString;
        _pragmas = pragmas;
        _ownership = ownership;
        _keepAlive = keepAlive;
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

    public static SqliteDialect InMemory()
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = $"zuna-jobs-{Guid.NewGuid():N}", Mode = SqliteOpenMode.Memory, Cache = SqliteCacheMode.Shared, DefaultTimeout = 30,
        };
        var keepAlive = new SqliteConnection(builder.ToString()); // the database lives while one connection is open
        keepAlive.Open();
        return new SqliteDialect(builder.ToString(), "PRAGMA busy_timeout=30000;", null, keepAlive, "memory");
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
        if (_ownership is null) return; // in memory: nothing to journal
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL"; // persistent; readers never block the writer
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_keepAlive is not null) await _keepAlive.DisposeAsync();
        if (_ownership is not null) await _ownership.DisposeAsync();
        await base.DisposeAsync();
    }
}
