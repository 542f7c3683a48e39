using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Zuna.Api.Options;
using Zuna.Api.Telemetry;

namespace Zuna.Api.Jobs;

/// <summary>
/// Retention and recovery on a timer (every Zuna:Jobs:LeaseSeconds / 2): re-queues jobs whose replica stopped renewing
/// its lease, deletes expired jobs and results, and refreshes the zuna_jobs{state} gauge. Any number of replicas may run it.
/// </summary>
public sealed class JobSweeper : BackgroundService
{
    private readonly IJobStore _store;
    private readonly TimeSpan _every;
    private readonly ILogger<JobSweeper> _logger;
    private volatile JobCounts _counts = JobCounts.Empty;

    public JobSweeper(IJobStore store, IOptions<ZunaOptions> options, ZunaTelemetry telemetry, ILogger<JobSweeper> logger)
    {
        _store = store;
        _logger = logger;
        _every = TimeSpan.FromSeconds(Math.Max(0.2, options.Value.Jobs.LeaseSeconds / 2.0));
        // Re-queues and expiries exported as 0 from the start, so dashboards can rate() them before the first one.
        telemetry.Requeued.Add(0);
        telemetry.RecordExpiredResults(0, "ttl");
        telemetry.RecordExpiredResults(0, "size_cap");
        telemetry.ObserveJobs(() =>
        {
            var c = _counts;
            return
            [
                Measure(c.Queued, "queued"), Measure(c.Running, "running"), Measure(c.Succeeded, "succeeded"),
                Measure(c.Failed, "failed"), Measure(c.Canceled, "canceled"),
            ];
        });
    }

    /// <summary>Runs one pass now (also what the timer does).</summary>
    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken)
    {
        var result = await _store.SweepAsync(cancellationToken);
        _counts = result.Counts;
        if (result.Requeued > 0 || result.GaveUp > 0)
            _logger.LogWarning("Re-queued {Requeued} jobs whose replica stopped renewing its lease; {GaveUp} out of attempts failed", result.Requeued, result.GaveUp);
        return result;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_every);
        try
        {
            do
            {
                try
                {
                    await SweepAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    _logger.LogWarning(e, "Job retention pass failed; retrying in {Every}", _every);
                }
            } while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // host shutting down
        }
    }

    private static Measurement<long> Measure(int count, string state) => new(count, new KeyValuePair<string, object?>("state", state));
}
