using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Zuna.Api.Options;

namespace Zuna.Api.Jobs;

/// <summary>
/// Job state as any replica sees it: the stored row, overlaid with live progress when the job runs here. Followers of a
/// job running here get every progress report; elsewhere they poll the store (Zuna:Jobs:PollMilliseconds).
/// </summary>
public sealed class JobEvents(IJobStore store, LocalJobs local, IOptions<ZunaOptions> options)
{
    private readonly TimeSpan _poll = TimeSpan.FromMilliseconds(options.Value.Jobs.PollMilliseconds);

    public JobSnapshot Snapshot(JobRow row) => row.Snapshot(row.IsFinished ? null : local.Find(row.Id)?.Live);

    public async Task<JobSnapshot?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        await store.FindAsync(id, cancellationToken) is { } row ? Snapshot(row) : null;

    /// <summary>Snapshots on each change, the current one first; ends after the final one (or when the job is deleted).</summary>
    public async IAsyncEnumerable<JobSnapshot> FollowAsync(Guid id, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        JobSnapshot? last = null;
        while (true)
        {
            var running = local.Find(id);
            var progress = running?.Follow(); // before reading the row, so no report falls between the two
            try
            {
                if (await store.FindAsync(id, cancellationToken) is not { } row) yield break;
                var current = Snapshot(row);
                if (IsNew(current, last)) yield return last = current;
                if (row.IsFinished) yield break;
                if (progress is not null)
                {
                    await foreach (var live in progress.ReadAllAsync(cancellationToken))
                    {
                        current = row.Snapshot(live);
                        if (IsNew(current, last)) yield return last = current;
                    }
                    continue; // the run here ended: its outcome is stored
                }
            }
            finally
            {
                if (progress is not null) running!.Unfollow(progress);
            }
            await local.WaitForChangeAsync(id, _poll, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private static bool IsNew(JobSnapshot current, JobSnapshot? last) =>
        last is null || current.Status != last.Status || current.Progress != last.Progress || current.ResultBytes != last.ResultBytes;
}
