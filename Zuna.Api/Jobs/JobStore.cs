using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Zuna.Api.Options;

namespace Zuna.Api.Jobs;

/// <summary>
/// Jobs in memory. Finished jobs live for Zuna:Jobs:ResultTtlMinutes; results together stay under
/// Zuna:Jobs:MaxResultBytes, the oldest finished jobs being forgotten first to make room.
/// </summary>
public sealed class JobStore(IOptions<ZunaOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<Guid, Job> _jobs = new();
    private readonly Lock _space = new();
    private readonly JobsOptions _options = options.Value.Jobs;

    public TimeSpan Ttl => TimeSpan.FromMinutes(_options.ResultTtlMinutes);
    public long MaxResultBytes => _options.MaxResultBytes;

    public void Add(Job job) => _jobs[job.Id] = job;

    public Job? Find(Guid id)
    {
        if (!_jobs.TryGetValue(id, out var job)) return null;
        if (job.ExpiresAt is { } expires && expires <= clock.GetUtcNow())
        {
            Remove(id);
            return null;
        }
        return job;
    }

    public void Remove(Guid id)
    {
        if (_jobs.TryRemove(id, out var job)) job.DropResult();
    }

    /// <summary>Makes room for a result of <paramref name="bytes"/>; false when it could never fit.</summary>
    public bool Reserve(long bytes, Guid forJob)
    {
        if (bytes > _options.MaxResultBytes) return false;
        lock (_space)
        {
            var oldestFirst = _jobs.Values.Where(j => j.Id != forJob && j.Result is not null)
                .OrderBy(j => j.FinishedAt).ToList();
            long used = oldestFirst.Sum(j => j.Result!.LongLength);
            foreach (var job in oldestFirst)
            {
                if (used + bytes <= _options.MaxResultBytes) break;
                used -= job.Result!.LongLength;
                Remove(job.Id);
            }
            return true;
        }
    }

    /// <summary>Forgets jobs past their expiry; called periodically by <see cref="JobSweeper"/>.</summary>
    public int Sweep()
    {
        var now = clock.GetUtcNow();
        int removed = 0;
        foreach (var job in _jobs.Values)
            if (job.ExpiresAt is { } expires && expires <= now) { Remove(job.Id); removed++; }
        return removed;
    }
}

/// <summary>Removes expired jobs once a minute (lookups also check expiry, so this only frees memory).</summary>
public sealed class JobSweeper(JobStore store, TimeProvider clock) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) store.Sweep();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // host shutting down (or disposed without StopAsync)
        }
    }
}
