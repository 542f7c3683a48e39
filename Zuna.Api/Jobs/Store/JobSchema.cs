using System.Data.Common;

namespace Zuna.Api.Jobs.Store;

/// <summary>
/// The tables. Uploads and results are rows of 1 MiB chunks in <c>zuna_blobs</c>, in the same database as the jobs: a job
/// and its upload commit together (accepted means stored), every replica reads them without a shared volume, there is one
/// thing to back up, and a result streams out chunk by chunk (PostgreSQL would hold a single bytea value whole in memory
/// and caps it at 1 GB).
/// </summary>
internal static class JobSchema
{
    public const int ChunkBytes = 1024 * 1024;
    public const int InputBlob = 0;
    public const int ResultBlob = 1;

    /// <summary>Kinds from here up hold result chunks still being written (<see cref="SqlJobStore.SucceedAsync"/>).</summary>
    public const int FirstStagingBlob = 2;

    /// <summary>Columns in the order <see cref="ReadRow"/> reads them.</summary>
    public const string Columns =
        "id, batch_id, batch_index, operation, format, file_name, request, state, idempotency_key, fingerprint, attempts, owner, " +
        "cancel_requested, epochs_done, epochs_total, steps_done, steps_total, created_at, started_at, finished_at, expires_at, result_bytes, error";

    public const int ColumnCount = 23;

    public static string[] Statements(SqlDialect dialect) =>
    [
        """
        CREATE TABLE IF NOT EXISTS zuna_jobs (
            id TEXT PRIMARY KEY,
            batch_id TEXT NULL,
            batch_index INTEGER NOT NULL DEFAULT 0,
            operation TEXT NOT NULL,
            format TEXT NOT NULL,
            file_name TEXT NOT NULL,
            request TEXT NOT NULL,
            state TEXT NOT NULL,
            idempotency_key TEXT NULL UNIQUE,
            fingerprint TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            owner TEXT NULL,
            lease_until BIGINT NULL,
            cancel_requested INTEGER NOT NULL DEFAULT 0,
            epochs_done INTEGER NOT NULL DEFAULT 0,
            epochs_total INTEGER NOT NULL DEFAULT 0,
            steps_done INTEGER NOT NULL DEFAULT 0,
            steps_total INTEGER NOT NULL DEFAULT 0,
            created_at BIGINT NOT NULL,
            queued_at BIGINT NOT NULL,
            started_at BIGINT NULL,
            finished_at BIGINT NULL,
            expires_at BIGINT NULL,
            result_bytes BIGINT NULL,
            error TEXT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS zuna_jobs_queue ON zuna_jobs (state, queued_at, batch_index)",
        "CREATE INDEX IF NOT EXISTS zuna_jobs_batch ON zuna_jobs (batch_id, batch_index)",
        "CREATE INDEX IF NOT EXISTS zuna_jobs_expiry ON zuna_jobs (expires_at)",
        // The stored results only: summed at every success for the size cap and walked oldest first to evict, without
        // reading the rows of every queued, running or failed job.
        "CREATE INDEX IF NOT EXISTS zuna_jobs_results ON zuna_jobs (finished_at, result_bytes) WHERE result_bytes IS NOT NULL",
        $"""
        CREATE TABLE IF NOT EXISTS zuna_blobs (
            job_id TEXT NOT NULL,
            kind INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            data {dialect.BlobType} NOT NULL,
            PRIMARY KEY (job_id, kind, seq))
        """,
        """
        CREATE TABLE IF NOT EXISTS zuna_batches (
            id TEXT PRIMARY KEY,
            created_at BIGINT NOT NULL)
        """,
    ];

    public static JobRow ReadRow(DbDataReader r) => new(
        Guid.Parse(r.GetString(0)),
        r.IsDBNull(1) ? null : Guid.Parse(r.GetString(1)),
        r.GetInt32(2),
        r.GetString(3),
        r.GetString(4),
        r.GetString(5),
        r.GetString(6),
        Enum.Parse<JobStatus>(r.GetString(7), ignoreCase: true),
        Sql.Text(r, 8),
        r.GetString(9),
        r.GetInt32(10),
        Sql.Text(r, 11),
        r.GetInt32(12) != 0,
        new JobProgress(r.GetInt32(13), r.GetInt32(14), r.GetInt32(15), r.GetInt32(16)),
        Sql.Time(r, 17)!.Value,
        Sql.Time(r, 18),
        Sql.Time(r, 19),
        Sql.Time(r, 20),
        r.IsDBNull(21) ? null : r.GetInt64(21),
        Sql.Text(r, 22));

    public static string StateName(JobStatus status) => status.ToString().ToLowerInvariant();
}
