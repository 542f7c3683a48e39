using System.Text.Json;
using Zuna.Api.Formatting;
using Zuna.Api.Queue;
using Zuna.Api.Requests;
using Zuna.Api.Telemetry;
using Zuna.Engine;
using Zuna.Engine.Repair;

namespace Zuna.Api.Jobs;

/// <summary>
/// A job with operation "repairs": its stored request is the <see cref="RepairOptions"/> as JSON (seed resolved at
/// submission), run by the same <see cref="RepairService"/> as POST /v1/repairs and written by the same
/// <see cref="RepairResultWriter"/>, so its result is the bytes the synchronous endpoint answers. Progress counts windows.
/// </summary>
public static class RepairJob
{
    /// <summary>The request to store for a repair job.</summary>
    public static string Request(RepairOptions options) => JsonSerializer.Serialize(options);

    /// <summary>The stored request, read back.</summary>
    public static RepairOptions Options(JobRow job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return JsonSerializer.Deserialize<RepairOptions>(job.Request) ?? throw new InvalidDataException($"Job {job.Id} has no repair request.");
    }

    /// <summary>
    /// Runs the repair of <paramref name="upload"/> and returns the writer of its result in the job's format, which the
    /// store calls to stream the result into its chunks.
    /// </summary>
    public static async Task<Func<Stream, CancellationToken, Task>> RunAsync(RepairService service, JobRow job, Stream upload,
        OutputFormat format, RunningJob run, PhaseTimer timer, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(run);
        var outcome = await service.RunAsync(upload, job.FileName, Options(job), timer, new InlineProgress<WorkProgress>(run.Report), cancellationToken);
        foreach (string warning in outcome.Warnings) logger.LogWarning("Job {JobId} ({FileName}): {Warning}", job.Id, job.FileName, warning);
        return (destination, ct) => RepairResultWriter.WriteAsync(outcome, format, destination, ct);
    }
}
