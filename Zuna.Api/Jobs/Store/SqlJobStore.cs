using System.Data.Common;
using Zuna.Api.Errors;
using Zuna.Api.Options;
using Zuna.Api.Telemetry;

namespace Zuna.Api.Jobs.Store;

/// <summary>
/// The job store over either engine (<see cref="SqlDialect"/>). This file: schema and the client side (submit, read,
/// cancel); SqlJobStore.Worker.cs: claims and leases; SqlJobStore.Retention.cs: expiry, size cap, lost leases.
/// </summary>
public sealed partial class SqlJobStore(SqlDialect dialect, JobsOptions options, TimeProvider clock, ZunaTelemetry telemetry)
    : IJobStore, IAsyncDisposable
{
    private const string Terminal = "('succeeded', 'failed', 'canceled')";

    public string Engine => dialect.Engine;

    private readonly RecentUploads _recentUploads = new(RecentUploadBytes);

    /// <summary>Memory for uploads kept for this replica's own worker (<see cref="RecentUploads"/>).</summary>
    private const long RecentUploadBytes = 64L * 1024 * 1024;

    private TimeSpan Ttl => TimeSpan.FromMinutes(options.ResultTtlMinutes);
    private long Now => Sql.Ms(clock.GetUtcNow());

    private StorePhase Phase(string name) => new(telemetry, name);

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await dialect.PrepareDatabaseAsync(connection, cancellationToken);
        await using (var transaction = await dialect.BeginAsync(connection, cancellationToken))
        {
            await dialect.LockSchemaAsync(connection, transaction, cancellationToken);
            foreach (var statement in JobSchema.Statements(dialect).Concat(dialect.ExtraSchema))
                await Sql.ExecuteAsync(connection, transaction, statement, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        // One process owns a SQLite store: whatever it finds claimed was left by a run that died, so it is re-queued now
        // rather than when the dead run's lease would have expired.
        if (dialect.SingleProcess) await RequeueLostAsync(connection, expiredBefore: long.MaxValue, cancellationToken);
    }

    public Task<Submitted> SubmitAsync(IReadOnlyList<NewJob> jobs, Guid? batchId, string? idempotencyKey, CancellationToken cancellationToken) =>
        SubmitAsync(jobs, batchId, idempotencyKey, claim: null, cancellationToken);

    public Task<Submitted> SubmitAndClaimAsync(NewJob job, string? idempotencyKey, JobClaim claim, CancellationToken cancellationToken) =>
        SubmitAsync([job], batchId: null, idempotencyKey, claim, cancellationToken);

    private async Task<Submitted> SubmitAsync(IReadOnlyList<NewJob> jobs, Guid? batchId, string? idempotencyKey, JobClaim? claim,
        CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        if (idempotencyKey is not null && await FindByKeyAsync(connection, idempotencyKey, cancellationToken) is { } earlier)
            return new Submitted([earlier], Replayed: true);

        long now = Now;
        await using var transaction = await dialect.BeginAsync(connection, cancellationToken);
        if (idempotencyKey is not null)
        {
            // A key frees up when its job expires; the expired job may still wait for the sweeper.
            var holders = await QueryAsync(connection, transaction, $"SELECT {JobSchema.Columns} FROM zuna_jobs WHERE idempotency_key = @key",
                cancellationToken, ("key", idempotencyKey));
            foreach (var holder in holders) await DeleteJobAsync(connection, transaction, holder.Id, cancellationToken);
        }
        if (batchId is { } batch)
            await Sql.ExecuteAsync(connection, transaction, "INSERT INTO zuna_batches (id, created_at) VALUES (@id, @now)", cancellationToken,
                ("id", batch.ToString()), ("now", now));
        var stored = new List<JobRow>(jobs.Count);
        var whole = new List<(Guid, byte[])>(jobs.Count);
        for (int i = 0; i < jobs.Count; i++)
        {
            var job = jobs[i];
            await using var upload = job.OpenUpload();
            byte[] firstChunk = await ReadFirstChunkAsync(upload, cancellationToken);
            JobRow? row;
            long queued;
            using (Phase("job_insert"))
                (row, queued) = await InsertAsync(connection, transaction, job, batchId, i, idempotencyKey, now, firstChunk, countQueued: i == 0,
                    i == 0 ? claim : null, cancellationToken);
            if (row is null)
            {
                // Another submission under the same key committed first: answer with its job.
                await transaction.RollbackAsync(cancellationToken);
                return new Submitted([(await FindByKeyAsync(connection, idempotencyKey!, cancellationToken))!], Replayed: true);
            }
            // The bound on the queue, counted in the same round trip as the first insert (the count excludes it).
            if (i == 0 && queued + jobs.Count > options.MaxQueued)
            {
                await transaction.RollbackAsync(cancellationToken);
                throw new QueueFullException(options.MaxQueued, 60);
            }
            stored.Add(row);
            if (firstChunk.Length == JobSchema.ChunkBytes)
                using (Phase("job_upload_write"))
                    await BlobChunks.WriteAsync(connection, transaction, job.Id, JobSchema.InputBlob, upload, firstSeq: 1, cancellationToken);
            else
                whole.Add((job.Id, firstChunk));
        }
        using (Phase("job_commit"))
            await transaction.CommitAsync(cancellationToken); // durable from here: the 202 may be sent
        foreach (var (id, upload) in whole) _recentUploads.Add(id, upload);
        if (claim is not null && stored[0].State == JobStatus.Running) telemetry.RecordClaim(0);
        return new Submitted(stored, Replayed: false);
    }

    /// <summary>
    /// Inserts a queued job with the first chunk of its upload (together: one round trip on PostgreSQL, and most uploads
    /// fit one chunk) and returns the job as stored (no read back after the commit) with the number of jobs queued before
    /// it when <paramref name="countQueued"/>; the row is null when its key is taken, the chunk then being undone with the
    /// caller's rollback. With a <paramref name="claim"/>, the job is stored claimed when no other job waits (older jobs
    /// keep their turn), and returned running.
    /// </summary>
    private static async Task<(JobRow? Row, long Queued)> InsertAsync(DbConnection connection, DbTransaction transaction, NewJob job, Guid? batchId,
        int index, string? idempotencyKey, long now, byte[] firstChunk, bool countQueued, JobClaim? claim, CancellationToken cancellationToken)
    {
        JobRow? row = null;
        var batch = new SqlBatch();
        if (countQueued) batch.Scalar("SELECT COUNT(*) FROM zuna_jobs WHERE state = 'queued'");
        // With a claim, the job goes in running under it, decided in the statement itself (so the store sees one change,
        // and every replica one notification): claimed when no job waits, queued behind the waiting ones otherwise.
        batch.Query($"""
                INSERT INTO zuna_jobs (id, batch_id, batch_index, operation, format, file_name, request, state, owner, lease_until, attempts,
                    idempotency_key, fingerprint, created_at, queued_at)
                SELECT @id, @batch, @index, @operation, @format, @file, @request, CASE WHEN claimed THEN 'running' ELSE 'queued' END,
                    CASE WHEN claimed THEN @owner END, CASE WHEN claimed THEN @lease END, CASE WHEN claimed THEN 1 ELSE 0 END,
                    @key, @fingerprint, @now, @now
                FROM (SELECT @claim = 1 AND NOT EXISTS (SELECT 1 FROM zuna_jobs WHERE state = 'queued') AS claimed) AS decision
                WHERE TRUE
                ON CONFLICT (idempotency_key) DO NOTHING
                RETURNING {JobSchema.Columns}
                """, reader => row = JobSchema.ReadRow(reader),
                ("id", job.Id.ToString()), ("batch", batchId?.ToString()), ("index", index), ("operation", job.Operation), ("format", job.Format),
                ("file", job.FileName), ("request", job.Request), ("claim", claim is null ? 0 : 1), ("owner", claim?.Owner ?? ""),
                ("lease", claim is null ? 0L : now + (long)claim.Lease.TotalMilliseconds), ("key", idempotencyKey), ("fingerprint", job.Fingerprint),
                ("now", now))
            .Execute(BlobChunks.InsertSql, ("job", job.Id.ToString()), ("kind", JobSchema.InputBlob), ("seq", 0), ("data", firstChunk));
        var values = await batch.RunAsync(connection, transaction, cancellationToken);
        return (row, countQueued ? Convert.ToInt64(values[0], System.Globalization.CultureInfo.InvariantCulture) : 0);
    }

    /// <summary>
    /// The upload's first chunk in an array of its exact length (what the drivers send; a seekable upload, as ASP.NET
    /// buffers them, is read straight into one). A chunk shorter than <see cref="JobSchema.ChunkBytes"/> is the whole upload.
    /// </summary>
    private static async Task<byte[]> ReadFirstChunkAsync(Stream upload, CancellationToken cancellationToken)
    {
        var buffer = new byte[upload.CanSeek ? (int)Math.Min(upload.Length - upload.Position, JobSchema.ChunkBytes) : JobSchema.ChunkBytes];
        int filled = await upload.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        return filled < buffer.Length ? buffer[..filled] : buffer;
    }

    public async Task<JobRow?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        using var phase = Phase("job_status_read");
        await using var connection = await dialect.OpenAsync(cancellationToken);
        return await FindAsync(connection, id, cancellationToken);
    }

    public async Task<IReadOnlyList<JobRow>?> FindBatchAsync(Guid batchId, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        if (await Sql.ScalarAsync(connection, null, "SELECT COUNT(*) FROM zuna_batches WHERE id = @id", cancellationToken, ("id", batchId.ToString())) == 0)
            return null;
        return await QueryAsync(connection, null,
            $"SELECT {JobSchema.Columns} FROM zuna_jobs WHERE batch_id = @batch AND (expires_at IS NULL OR expires_at > @now) ORDER BY batch_index",
            cancellationToken, ("batch", batchId.ToString()), ("now", Now));
    }

    public async Task<CancelOutcome> CancelAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var transaction = await dialect.BeginAsync(connection, cancellationToken);
        var outcome = await CancelAsync(connection, transaction, id, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return outcome;
    }

    public async Task<int> CancelBatchAsync(Guid batchId, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var transaction = await dialect.BeginAsync(connection, cancellationToken);
        var open = await QueryAsync(connection, transaction, $"SELECT {JobSchema.Columns} FROM zuna_jobs WHERE batch_id = @batch AND state NOT IN {Terminal}",
            cancellationToken, ("batch", batchId.ToString()));
        foreach (var job in open) await CancelAsync(connection, transaction, job.Id, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return open.Count;
    }

    public async Task<Stream?> OpenResultAsync(Guid id, CancellationToken cancellationToken)
    {
        var connection = await dialect.OpenAsync(cancellationToken);
        try
        {
            if (await FindAsync(connection, id, cancellationToken) is not { State: JobStatus.Succeeded })
            {
                await connection.DisposeAsync();
                return null;
            }
            return await BlobChunks.OpenAsync(connection, id, JobSchema.ResultBlob, cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<int> CountQueuedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        return (int)await Sql.ScalarAsync(connection, null, "SELECT COUNT(*) FROM zuna_jobs WHERE state = 'queued'", cancellationToken);
    }

    private async Task<CancelOutcome> CancelAsync(DbConnection connection, DbTransaction transaction, Guid id, CancellationToken cancellationToken)
    {
        var job = await FindAsync(connection, id, cancellationToken, transaction);
        switch (job?.State)
        {
            case null:
                return CancelOutcome.NotFound;
            case JobStatus.Queued:
                await EndAsync(connection, transaction, id, owner: null, JobStatus.Canceled, null, cancellationToken);
                return CancelOutcome.Canceled;
            case JobStatus.Running:
                await Sql.ExecuteAsync(connection, transaction, "UPDATE zuna_jobs SET cancel_requested = 1 WHERE id = @id AND state = 'running'",
                    cancellationToken, ("id", id.ToString()));
                return CancelOutcome.CancelRequested;
            default:
                await DeleteJobAsync(connection, transaction, id, cancellationToken);
                return CancelOutcome.Deleted;
        }
    }

    /// <summary>Ends a job (queued, or running under <paramref name="owner"/>) and frees its upload; false when it was not in that state.</summary>
    private async Task<bool> EndAsync(DbConnection connection, DbTransaction transaction, Guid id, string? owner, JobStatus status, string? problem,
        CancellationToken cancellationToken)
    {
        long now = Now;
        int changed = await Sql.ExecuteAsync(connection, transaction, $"""
            UPDATE zuna_jobs SET state = @state, error = @error, finished_at = @now, expires_at = @expires, owner = NULL, lease_until = NULL
            WHERE id = @id AND {(owner is null ? "state = 'queued'" : "state = 'running' AND owner = @owner")}
            """, cancellationToken,
            ("state", JobSchema.StateName(status)), ("error", problem), ("now", now), ("expires", now + (long)Ttl.TotalMilliseconds),
            ("id", id.ToString()), ("owner", owner));
        if (changed > 0) await BlobChunks.DeleteAsync(connection, transaction, id, JobSchema.InputBlob, cancellationToken);
        return changed > 0;
    }

    private static async Task DeleteJobAsync(DbConnection connection, DbTransaction? transaction, Guid id, CancellationToken cancellationToken)
    {
        await BlobChunks.DeleteAsync(connection, transaction, id, kind: null, cancellationToken);
        await Sql.ExecuteAsync(connection, transaction, "DELETE FROM zuna_jobs WHERE id = @id", cancellationToken, ("id", id.ToString()));
    }

    private async Task<JobRow?> FindAsync(DbConnection connection, Guid id, CancellationToken cancellationToken, DbTransaction? transaction = null)
    {
        var rows = await QueryAsync(connection, transaction,
            $"SELECT {JobSchema.Columns} FROM zuna_jobs WHERE id = @id AND (expires_at IS NULL OR expires_at > @now)",
            cancellationToken, ("id", id.ToString()), ("now", Now));
        return rows.Count == 0 ? null : rows[0];
    }

    private async Task<JobRow?> FindByKeyAsync(DbConnection connection, string key, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(connection, null,
            $"SELECT {JobSchema.Columns} FROM zuna_jobs WHERE idempotency_key = @key AND (expires_at IS NULL OR expires_at > @now)",
            cancellationToken, ("key", key), ("now", Now));
        return rows.Count == 0 ? null : rows[0];
    }

    private static async Task<List<JobRow>> QueryAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken,
        params (string, object?)[] parameters)
    {
        await using var command = Sql.Command(connection, transaction, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<JobRow>();
        while (await reader.ReadAsync(cancellationToken)) rows.Add(JobSchema.ReadRow(reader));
        return rows;
    }

    public Task ListenAsync(Action<JobChange> onChange, CancellationToken cancellationToken) => dialect.ListenAsync(onChange, cancellationToken);

    public ValueTask DisposeAsync() => dialect.DisposeAsync();

    private static string GaveUpProblem(int attempts) => ErrorJson.Of(new ServiceNotReadyException(
        $"The job was interrupted {attempts} times (the server running it stopped or failed); it was not retried again."));
}
