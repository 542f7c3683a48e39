namespace Zuna.Api.Jobs;

/// <summary>
/// Listens for job changes other replicas commit (PostgreSQL LISTEN/NOTIFY through <see cref="IJobStore.ListenAsync"/>)
/// and turns them into local wake-ups: a queued job wakes the claim loop, any change wakes the event streams following
/// the job, and a cancel asked elsewhere stops the run here at once instead of at the next lease renewal. When the
/// connection fails it listens again after a pause; until then the claim loop, the event streams and the lease renewal
/// poll as before. On SQLite (one process) there is nothing to listen to and it ends at once.
/// </summary>
public sealed class JobNotifications(IJobStore store, LocalJobs local, ILogger<JobNotifications> logger) : BackgroundService
{
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await store.ListenAsync(Apply, stoppingToken);
                return; // the store has nothing to listen to
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Listening for job changes failed; polling until it listens again in {Pause}", Pause);
            }
            // Whatever was notified while not listening is found by the next claim or poll; one claim now covers the gap.
            local.WorkArrived();
            await Task.Delay(Pause, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>What one notification means here (called on the listening connection's thread: cheap, never throws).</summary>
    public void Apply(JobChange change)
    {
        if (change.State == JobStatus.Queued) local.WorkArrived();
        if (change.CancelRequested && local.Find(change.Id) is { } running) running.Cancellation.Cancel();
        local.Changed(change.Id);
    }
}
