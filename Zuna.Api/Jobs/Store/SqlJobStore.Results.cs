using System.Data.Common;
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

    /// <summary>Marks the job succeeded with the written result in one transaction; false when the lease was lost meanwhile.</summary>
    private async Task<bool> CommitResultAsync(DbConnection connection, Guid id, string owner, int staging, ChunkSink sink, JobProgress progress)
    {
        var none = CancellationToken.None;
        await using var transaction = await dialect.BeginAsync(connection, none);
        int evicted = await MakeRoomAsync(connection, transaction, sink.Total, none);
        long now = Now;
        int changed = await Sql.ExecuteAsync(connection, transaction, """
            UPDATE zuna_jobs SET state = 'succeeded', result_bytes = @bytes, finished_at = @now, expires_at = @expires, owner = NULL, lease_until = NULL,
                epochs_done = @ed, epochs_total = @et, steps_done = @sd, steps_total = @st, started_at = COALESCE(started_at, @now)
            WHERE id = @id AND owner = @owner AND state = 'running'
            """, none, ("bytes", sink.Total), ("now", now), ("expires", now + (long)Ttl.TotalMilliseconds),
            ("ed", progress.EpochsTotal), ("et", progress.EpochsTotal), ("sd", progress.StepsDone), ("st", progress.StepsTotal),
            ("id", id.ToString()), ("owner", owner));
        if (changed == 0)
        {
            await transaction.RollbackAsync(none); // lost the lease: the replica that owns the job now writes the result
            return false;
        }
        if (sink.Flushed > 0)
            await Sql.ExecuteAsync(connection, transaction, "UPDATE zuna_blobs SET kind = @result WHERE job_id = @job AND kind = @staging", none,
                ("result", JobSchema.ResultBlob), ("job", id.ToString()), ("staging", staging));
        if (sink.Tail.Length > 0 || sink.Flushed == 0)
        {
            await using var tail = new BlobChunks.ChunkInsert(connection, transaction, id, JobSchema.ResultBlob);
            await tail.RunAsync(sink.Flushed, sink.Tail.ToArray(), sink.Tail.Length, none);
        }
        // The upload, and whatever another replica that lost this job left half-written.
        await Sql.ExecuteAsync(connection, transaction, "DELETE FROM zuna_blobs WHERE job_id = @job AND kind <> @result", none,
            ("job", id.ToString()), ("result", JobSchema.ResultBlob));
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
