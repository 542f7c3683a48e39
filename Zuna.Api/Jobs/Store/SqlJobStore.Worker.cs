namespace Zuna.Api.Jobs.Store;

/// <summary>The worker side: claims under a lease, renewals, and the end of a claimed job.</summary>
public sealed partial class SqlJobStore
{
    public async Task<JobRow?> ClaimAsync(string owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        using var phase = Phase("job_claim");
        await using var connection = await dialect.OpenForWorkerAsync(cancellationToken);
        // One statement: on PostgreSQL its own transaction (one round trip, the commit not waiting for the disk); SQLite
        // takes the write lock first (see SqlDialect.AutocommitUpdates).
        await using var transaction = dialect.AutocommitUpdates ? null : await dialect.BeginAsync(connection, cancellationToken);
        long now = Now;
        // The oldest queued job; on PostgreSQL a row another replica is claiming is skipped, not waited for.
        await using var command = Sql.Command(connection, transaction, $"""
            UPDATE zuna_jobs SET state = 'running', owner = @owner, lease_until = @lease, attempts = attempts + 1, cancel_requested = 0
            WHERE state = 'queued' AND id = (SELECT id FROM zuna_jobs WHERE state = 'queued' ORDER BY queued_at, batch_index LIMIT 1{dialect.SkipLocked})
            RETURNING {JobSchema.Columns}, queued_at
            """, ("owner", owner), ("lease", now + (long)lease.TotalMilliseconds));
        JobRow? claimed = null;
        long queuedAt = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                claimed = JobSchema.ReadRow(reader);
                queuedAt = reader.GetInt64(JobSchema.ColumnCount);
            }
        }
        if (transaction is not null) await transaction.CommitAsync(cancellationToken);
        if (claimed is not null) telemetry.RecordClaim((now - queuedAt) / 1000.0);
        return claimed;
    }

    public async Task<Stream> OpenInputAsync(Guid id, CancellationToken cancellationToken)
    {
        if (_recentUploads.Take(id) is { } kept) return new MemoryStream(kept, writable: false);
        var connection = await dialect.OpenAsync(cancellationToken);
        try
        {
            return await BlobChunks.OpenAsync(connection, id, JobSchema.InputBlob, cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<LeaseState> RenewAsync(Guid id, string owner, TimeSpan lease, JobProgress progress, bool started, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenForWorkerAsync(cancellationToken);
        long now = Now;
        await using var command = Sql.Command(connection, null, """
            UPDATE zuna_jobs SET lease_until = @lease, epochs_done = @ed, epochs_total = @et, steps_done = @sd, steps_total = @st,
                started_at = CASE WHEN @started = 1 AND started_at IS NULL THEN @now ELSE started_at END
            WHERE id = @id AND owner = @owner AND state = 'running'
            RETURNING cancel_requested
            """, ("lease", now + (long)lease.TotalMilliseconds), ("ed", progress.EpochsDone), ("et", progress.EpochsTotal),
            ("sd", progress.StepsDone), ("st", progress.StepsTotal), ("started", started ? 1 : 0), ("now", now),
            ("id", id.ToString()), ("owner", owner));
        var cancel = await command.ExecuteScalarAsync(cancellationToken);
        if (cancel is null or DBNull) return LeaseState.Lost;
        return Convert.ToInt32(cancel, System.Globalization.CultureInfo.InvariantCulture) != 0 ? LeaseState.CancelRequested : LeaseState.Held;
    }

    public async Task FinishAsync(Guid id, string owner, JobStatus status, string? problem, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenForWorkerAsync(cancellationToken);
        await using var transaction = await dialect.BeginAsync(connection, cancellationToken);
        await EndAsync(connection, transaction, id, owner, status, problem, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task ReleaseAsync(Guid id, string owner, bool countAttempt, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenForWorkerAsync(cancellationToken);
        await Sql.ExecuteAsync(connection, null, $"""
            UPDATE zuna_jobs SET state = 'queued', owner = NULL, lease_until = NULL, started_at = NULL, queued_at = @now,
                attempts = attempts{(countAttempt ? "" : " - 1")}, epochs_done = 0, steps_done = 0
            WHERE id = @id AND owner = @owner AND state = 'running'
            """, cancellationToken, ("now", Now), ("id", id.ToString()), ("owner", owner));
    }
}
