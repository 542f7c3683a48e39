using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Zuna.Api.Errors;

namespace Zuna.Api.Jobs.Store;

/// <summary>
/// A job's result, written through a stream straight into chunk rows: a result of any size holds one chunk in memory.
/// Full chunks are stored as they fill, each in its own short commit (on SQLite a long transaction would hold the one
/// write lock and stall submissions), under a staging kind of the writing replica; the final commit turns them into the
/// result together with the outcome. A result that fits one chunk costs no more than that final commit.
/// </summary>
public sealed partial class SqlJobStore
{
    public async Task<bool> SucceedAsync(Guid id, string owner, Func<Stream, CancellationToken, Task> writeResult, JobProgress progress,
        CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenForWorkerAsync(cancellationToken);
        int staging = StagingKind(owner);
        await using var insert = new BlobChunks.ChunkInsert(connection, null, id, staging);
        var sink = new ChunkSink(options.MaxResultBytes, async (seq, chunk, ct) =>
        {
            // Chunks an earlier attempt of this owner left behind (it died mid-write) would collide with the new ones.
            if (seq == 0) await BlobChunks.DeleteAsync(connection, null, id, staging, ct);
            await insert.RunAsync(seq, chunk, chunk.Length, ct);
        });
        try
        {
            using (Phase("job_result_write"))
                await writeResult(sink, cancellationToken);
        }
        catch (ChunkSink.TooLargeException)
        {
            await BlobChunks.DeleteAsync(connection, null, id, staging, CancellationToken.None);
            await FinishAsync(id, owner, JobStatus.Failed, ErrorJson.Of(new PayloadTooLargeException(
                $"The result exceeds Zuna:Jobs:MaxResultBytes ({options.MaxResultBytes} bytes).")), CancellationToken.None);
            return true;
        }
        catch
        {
            if (sink.Flushed > 0) await BlobChunks.DeleteAsync(connection, null, id, staging, CancellationToken.None);
            throw;
        }
        // Written: from here the outcome is stored whatever happens to the caller's token.
        using var phase = Phase("job_finish");
        if (await CommitResultAsync(connection, id, owner, staging, sink, progress)) return true;
        if (sink.Flushed > 0) await BlobChunks.DeleteAsync(connection, null, id, staging, CancellationToken.None);
        return false;
    }

    /// <summary>
    /// Marks the job succeeded with the written result in one transaction; false when the lease was lost meanwhile. The
    /// outcome, the result's last chunk, the cleanup and the size check go to the server together (one round trip on
    /// PostgreSQL): were the lease lost, the transaction is rolled back, so what ran after the outcome's UPDATE is undone.
    /// Those statements then meet the result the new owner stored, so they are written not to fail on it.
    /// </summary>
    private async Task<bool> CommitResultAsync(DbConnection connection, Guid id, string owner, int staging, ChunkSink sink, JobProgress progress)
    {
        var none = CancellationToken.None;
        await using var transaction = await dialect.BeginAsync(connection, none);
        long now = Now;
        string job = id.ToString();
        var batch = new SqlBatch().Scalar("""
            UPDATE zuna_jobs SET state = 'succeeded', result_bytes = @bytes, finished_at = @now, expires_at = @expires, owner = NULL, lease_until = NULL,
                epochs_done = @ed, epochs_total = @et, steps_done = @sd, steps_total = @st, started_at = COALESCE(started_at, @now)
            WHERE id = @id AND owner = @owner AND state = 'running'
            RETURNING 1
            """, ("bytes", sink.Total), ("now", now), ("expires", now + (long)Ttl.TotalMilliseconds),
            ("ed", progress.EpochsTotal), ("et", progress.EpochsTotal), ("sd", progress.StepsDone), ("st", progress.StepsTotal),
            ("id", job), ("owner", owner));
        if (sink.Flushed > 0)
            batch.Execute("""
                UPDATE zuna_blobs SET kind = @result WHERE job_id = @job AND kind = @staging
                    AND NOT EXISTS (SELECT 1 FROM zuna_blobs WHERE job_id = @job AND kind = @result)
                """,
                ("result", JobSchema.ResultBlob), ("job", job), ("staging", staging));
        if (sink.Tail.Length > 0 || sink.Flushed == 0)
            batch.Execute(BlobChunks.InsertSql + " ON CONFLICT DO NOTHING",
                ("job", job), ("kind", JobSchema.ResultBlob), ("seq", sink.Flushed), ("data", sink.Tail.ToArray()));
        // The upload, and whatever another replica that lost this job left half-written.
        batch.Execute("DELETE FROM zuna_blobs WHERE job_id = @job AND kind <> @result", ("job", job), ("result", JobSchema.ResultBlob))
            .Scalar(UsedResultBytes);
        var values = await batch.RunAsync(connection, transaction, none);
        if (values[0] is null)
        {
            await transaction.RollbackAsync(none); // lost the lease: the replica that owns the job now writes the result
            return false;
        }
        int evicted = await MakeRoomAsync(connection, transaction, id, Convert.ToInt64(values[1], CultureInfo.InvariantCulture), none);
        await transaction.CommitAsync(none);
        if (evicted > 0) telemetry.RecordExpiredResults(evicted, "size_cap");
        return true;
    }

    /// <summary>
    /// The blob kind a replica's result chunks are written under until they become the result: one per owner, so two
    /// replicas that both run a job (one lost its lease without knowing yet) never mix their chunks.
    /// </summary>
    private static int StagingKind(string owner) =>
        JobSchema.FirstStagingBlob + (BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(owner))) & 0x3FFFFFFF);
}
