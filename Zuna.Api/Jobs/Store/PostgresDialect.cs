using System.Data.Common;
using Npgsql;

namespace Zuna.Api.Jobs.Store;

/// <summary>
/// PostgreSQL shared by every replica (<c>Zuna:Jobs:ConnectionString</c>). Client commits are durable with the server's
/// defaults (fsync and synchronous_commit on); the worker's bookkeeping commits with synchronous_commit off (see
/// <see cref="SqlDialect.OpenForWorkerAsync"/>). Claims skip rows another replica has locked. Statements the store sends
/// again and again are prepared on the server after their second use. A trigger notifies every change of a job (channel
/// <see cref="Channel"/>), so other replicas' workers and event streams wake at once instead of at their next poll.
/// </summary>
public sealed class PostgresDialect : SqlDialect
{
    public const string Channel = "zuna_jobs";

    private readonly NpgsqlDataSource _source;
    private readonly NpgsqlDataSource _worker;
    private readonly NpgsqlDataSource _listener;

    public PostgresDialect(string connectionString)
    {
        _source = Build(connectionString, synchronousCommit: true);
        _worker = Build(connectionString, synchronousCommit: false);
        // One long-lived connection that only waits for notifications; keepalives notice a server gone silently.
        var listener = new NpgsqlConnectionStringBuilder(connectionString) { KeepAlive = 15, Pooling = false };
        _listener = NpgsqlDataSource.Create(listener.ConnectionString);
    }

    public override string Engine => "postgres";
    public override string BlobType => "BYTEA";
    public override string SkipLocked => " FOR UPDATE SKIP LOCKED";
    public override bool AutocommitUpdates => true;

    public override IEnumerable<string> ExtraSchema =>
    [
        // Chunks are stored out of line but never compressed: EEG samples barely compress, yet pglz tried every chunk of
        // every upload and result (about 4 ms per 190 KB chunk) before storing it uncompressed anyway. Checked first, as
        // SET STORAGE locks the table against the replicas already serving; rows written before keep their old storage.
        """
        DO $$ BEGIN
            IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'zuna_blobs'::regclass AND attname = 'data' AND attstorage <> 'e') THEN
                ALTER TABLE zuna_blobs ALTER COLUMN data SET STORAGE EXTERNAL;
            END IF;
        END $$
        """,
        // Payload "state id cancel_requested": enough for a listener to wake its worker or its event streams.
        $"""
        CREATE OR REPLACE FUNCTION zuna_jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{Channel}', NEW.state || ' ' || NEW.id || ' ' || NEW.cancel_requested);
            RETURN NULL;
        END $$
        """,
        // Created once: replacing it at every start would lock the table against the replicas already serving.
        """
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'zuna_jobs_notify' AND tgrelid = 'zuna_jobs'::regclass) THEN
                CREATE TRIGGER zuna_jobs_notify AFTER INSERT OR UPDATE ON zuna_jobs FOR EACH ROW EXECUTE FUNCTION zuna_jobs_notify();
            END IF;
        END $$
        """,
    ];

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _source.OpenConnectionAsync(cancellationToken);

    public override async Task<DbConnection> OpenForWorkerAsync(CancellationToken cancellationToken) =>
        await _worker.OpenConnectionAsync(cancellationToken);

    public override async Task ListenAsync(Action<JobChange> onChange, CancellationToken cancellationToken)
    {
        await using var connection = await _listener.OpenConnectionAsync(cancellationToken);
        connection.Notification += (_, e) =>
        {
            if (Parse(e.Payload) is { } change) onChange(change);
        };
        await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
            await listen.ExecuteNonQueryAsync(cancellationToken);
        while (true)
        {
            // A quiet minute ends with a round trip, so a connection that died without a word is noticed and replaced.
            if (!await connection.WaitAsync(TimeSpan.FromMinutes(1), cancellationToken))
            {
                await using var ping = new NpgsqlCommand("SELECT 1", connection);
                await ping.ExecuteScalarAsync(cancellationToken);
            }
        }
    }

    /// <summary>Reads a notification's payload; null for one this version does not understand.</summary>
    public static JobChange? Parse(string payload)
    {
        var parts = payload.Split(' ');
        return parts.Length == 3 && Enum.TryParse<JobStatus>(parts[0], ignoreCase: true, out var state) && Guid.TryParse(parts[1], out var id)
            ? new JobChange(id, state, parts[2] != "0")
            : null;
    }

    public override async Task LockSchemaAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT pg_advisory_xact_lock(727172)"; // any constant: zuna's schema lock
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync();
        await _worker.DisposeAsync();
        await _listener.DisposeAsync();
        await base.DisposeAsync();
    }

    private static NpgsqlDataSource Build(string connectionString, bool synchronousCommit)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.MaxAutoPrepare = Math.Max(builder.ConnectionStringBuilder.MaxAutoPrepare, 32);
        // The store never changes session state on a pooled connection (no SET, LISTEN, temp tables or session locks:
        // its advisory lock is per transaction), so the reset Npgsql runs on every return to the pool is pure overhead.
        builder.ConnectionStringBuilder.NoResetOnClose = true;
        if (!synchronousCommit)
            builder.ConnectionStringBuilder.Options = $"{builder.ConnectionStringBuilder.Options} -c synchronous_commit=off".Trim();
        return builder.Build();
    }
}
