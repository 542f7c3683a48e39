using System.Text.Json.Serialization;

namespace Zuna.Api.Jobs;

[JsonConverter(typeof(JsonStringEnumConverter<BatchStatus>))]
public enum BatchStatus { InProgress, Completed }

/// <summary>One recording of a batch.</summary>
public sealed record BatchItem(int Index, Guid JobId, string FileName, JobStatus Status, string? ResultUrl);

/// <summary>What GET /v1/batches/{id} answers: counts per state, overall progress, and each item.</summary>
public sealed record BatchSnapshot(
    Guid Id,
    BatchStatus Status,
    JobCounts Counts,
    JobProgress Progress,
    string ResultsUrl,
    IReadOnlyList<BatchItem> Items)
{
    /// <summary>Progress is summed over items: epochs done of all epochs known so far (an item's total is known once it started).</summary>
    public static BatchSnapshot Of(Guid id, IReadOnlyList<JobSnapshot> items)
    {
        int Count(JobStatus s) => items.Count(i => i.Status == s);
        var counts = new JobCounts(Count(JobStatus.Queued), Count(JobStatus.Running), Count(JobStatus.Succeeded), Count(JobStatus.Failed), Count(JobStatus.Canceled));
        var progress = new JobProgress(items.Sum(i => i.Progress.EpochsDone), items.Sum(i => i.Progress.EpochsTotal), 0, 0);
        var status = counts.Queued + counts.Running == 0 ? BatchStatus.Completed : BatchStatus.InProgress;
        return new BatchSnapshot(id, status, counts, progress, $"/v1/batches/{id}/results",
            [.. items.Select((i, n) => new BatchItem(n, i.Id, i.FileName ?? "", i.Status, i.ResultUrl))]);
    }
}
