using System.Data.Common;

namespace Zuna.Api.Jobs.Store;

/// <summary>Retention, enforced in the database so it holds across restarts and replicas: TTL, total result size, lost leases.</summary>
public sealed partial class SqlJobStore
{
    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        long now = Now;
        var (requeued, gaveUp) = await RequeueLostAsync(connection, expiredBefore: now, cancellationToken);

        int expiredResults;
        await using (var transaction = await dialect.BeginAsync(connection, cancellationToken))
        {
            expiredResults = (int)await Sql.ScalarAsync(connection, transaction,
                "SELECT COUNT(*) FROM zuna_jobs WHERE expires_at <= @now AND result_bytes IS NOT NULL", cancellationToken, ("now", now));
            await Sql.ExecuteAsync(connection, transaction,
                "DELETE FROM zuna_blobs WHERE job_id IN (SELECT id FROM zuna_jobs WHERE expires_at <= @now)", cancellationToken, ("now", now));
            await Sql.ExecuteAsync(connection, transaction, "DELETE FROM zuna_jobs WHERE expires_at <= @now", cancellationToken, ("now", now));
            // A batch goes once all its items have (and it is older than the TTL, so a fresh empty batch is still found).
            await Sql.ExecuteAsync(connection, transaction, """
                DELETE FROM zuna_batches WHERE created_at <= @cutoff AND NOT EXISTS (SELECT 1 FROM zuna_jobs WHERE zuna_jobs.batch_id = zuna_batches.id)
                """, cancellationToken, ("cutoff", now - (long)Ttl.TotalMilliseconds));
            await transaction.CommitAsync(cancellationToken);
        }
        if (expiredResults > 0) telemetry.RecordExpiredResults(expiredResults, "ttl");
        return new SweepResult(requeued, gaveUp, expiredResults, await CountAsync(connection, cancellationToken));
    }

    /// <summary>
    /// Jobs whose lease ran out before <paramref name="expiredBefore"/>: their replica died. Cancelled ones end canceled,
    /// others go back to the queue, or end failed once they used Zuna:Jobs:MaxAttempts.
    /// </summary>
    private async Task<(int Requeued, int GaveUp)> RequeueLostAsync(DbConnection connection, long expiredBefore, CancellationToken cancellationToken)
    {
        long now = Now;
        await using var transaction = await dialect.BeginAsync(connection, cancellationToken);
        var lost = await QueryAsync(connection, transaction,
            $"SELECT {JobSchema.Columns} FROM zuna_jobs WHERE state = 'running' AND lease_until < @before", cancellationToken, ("before", expiredBefore));
        int requeued = 0, gaveUp = 0;
        foreach (var job in lost)
        {
            if (job.CancelRequested)
            {
                await EndAsync(connection, transaction, job.Id, job.Owner, JobStatus.Canceled, null, cancellationToken);
            }
            else if (job.Attempts >= options.MaxAttempts)
            {
                await EndAsync(connection, transaction, job.Id, job.Owner, JobStatus.Failed, GaveUpProblem(job.Attempts), cancellationToken);
                gaveUp++;
            }
            else
            {
                requeued += await Sql.ExecuteAsync(connection, transaction, """
                    UPDATE zuna_jobs SET state = 'queued', owner = NULL, lease_until = NULL, started_at = NULL, queued_at = @now, epochs_done = 0, steps_done = 0
                    WHERE id = @id AND owner = @owner AND state = 'running'
                    """, cancellationToken, ("now", now), ("id", job.Id.ToString()), ("owner", job.Owner));
            }
        }
        await transaction.CommitAsync(cancellationToken);
        if (requeued > 0) telemetry.Requeued.Add(requeued);
        return (requeued, gaveUp);
    }

    /// <summary>The bytes of every stored result (the partial index zuna_jobs_results covers it).</summary>
    private const string UsedResultBytes = "SELECT COALESCE(SUM(result_bytes), 0) FROM zuna_jobs WHERE result_bytes IS NOT NULL";

    /// <summary>
    /// Deletes the oldest finished results other than <paramref name="kept"/>'s until the <paramref name="used"/> bytes
    /// (counting <paramref name="kept"/>'s new result) fit under Zuna:Jobs:MaxResultBytes; returns how many went.
    /// </summary>
    private async Task<int> MakeRoomAsync(DbConnection connection, DbTransaction transaction, Guid kept, long used, CancellationToken cancellationToken)
    {
        if (used <= options.MaxResultBytes) return 0;
        var oldestFirst = new List<Guid>();
        await using (var command = Sql.Command(connection, transaction,
            "SELECT id, result_bytes FROM zuna_jobs WHERE result_bytes IS NOT NULL AND id <> @kept ORDER BY finished_at", ("kept", kept.ToString())))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (used > options.MaxResultBytes && await reader.ReadAsync(cancellationToken))
            {
                oldestFirst.Add(Guid.Parse(reader.GetString(0)));
                used -= reader.GetInt64(1);
            }
        }
        foreach (var id in oldestFirst) await DeleteJobAsync(connection, transaction, id, cancellationToken);
        return oldestFirst.Count;
    }

    private static async Task<JobCounts> CountAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, int>();
        await using var command = Sql.Command(connection, null, "SELECT state, COUNT(*) FROM zuna_jobs GROUP BY state");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) counts[reader.GetString(0)] = Convert.ToInt32(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture);
        int Get(string state) => counts.GetValueOrDefault(state);
        return new JobCounts(Get("queued"), Get("running"), Get("succeeded"), Get("failed"), Get("canceled"));
    }
}
