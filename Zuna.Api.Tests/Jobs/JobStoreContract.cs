using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Zuna.Api.Jobs;
using Zuna.Api.Jobs.Store;
using Zuna.Api.Options;
using Zuna.Api.Telemetry;

namespace Zuna.Api.Tests.Jobs;

/// <summary>
/// What every job store engine must do, run against the real engines (SQLite in a temporary directory, a real PostgreSQL):
/// durable submission with multi-chunk uploads, single claims under concurrency, leases, retries, cancellation, retention.
/// </summary>
public abstract class JobStoreContract
{
    protected readonly ManualClock Clock = new();

    /// <summary>A fresh, empty store of the engine under test.</summary>
    protected abstract Task<SqlJobStore> OpenAsync(JobsOptions options);

    protected static ZunaTelemetry Telemetry() =>
        new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());

    protected static JobsOptions Options(int maxAttempts = 3, long maxResultBytes = 1L << 30) =>
        new() { LeaseSeconds = 10, MaxAttempts = maxAttempts, MaxResultBytes = maxResultBytes, ResultTtlMinutes = 60 };

    protected static NewJob Job(byte[] upload, string file = "a.fif") =>
        new(Guid.NewGuid(), "embeddings", "safetensors", file, """{"Operation":1}""", "fp-" + file, () => new MemoryStream(upload));

    protected static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A result writer that writes <paramref name="bytes"/> in pieces of 64 KiB, as the result writers flush.</summary>
    protected static Func<Stream, CancellationToken, Task> Writes(byte[] bytes) => async (stream, ct) =>
    {
        for (int offset = 0; offset < bytes.Length; offset += 1 << 16)
            await stream.WriteAsync(bytes.AsMemory(offset, Math.Min(1 << 16, bytes.Length - offset)), ct);
    };

    /// <summary>Submits a one-byte job and claims it for <paramref name="owner"/>.</summary>
    protected static async Task<Guid> ClaimedJobAsync(SqlJobStore store, string owner)
    {
        var id = (await store.SubmitAsync([Job([1])], null, null, default)).Jobs[0].Id;
        Assert.Equal(id, (await store.ClaimAsync(owner, Lease, default))!.Id);
        return id;
    }

    protected static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }

    protected static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_stored_job_is_claimed_once_and_its_upload_and_result_stream_back_whole()
    {
        await using var store = await OpenAsync(Options());
        var upload = Bytes(2_500_000, 1); // three chunks
        var submitted = await store.SubmitAsync([Job(upload)], null, null, default);
        var id = submitted.Jobs[0].Id;
        Assert.Equal(JobStatus.Queued, submitted.Jobs[0].State);
        Assert.Equal(1, await store.CountQueuedAsync(default));

        var claimed = await store.ClaimAsync("a", Lease, default);
        Assert.Equal(id, claimed!.Id);
        Assert.Equal(1, claimed.Attempts);
        Assert.Equal(JobStatus.Queued, claimed.Snapshot().Status); // claimed, but the worker has not started on it
        Assert.Null(await store.ClaimAsync("b", Lease, default));
        Assert.Equal(upload, await ReadAllAsync(await store.OpenInputAsync(id, default)));

        Assert.Equal(LeaseState.Held, await store.RenewAsync(id, "a", Lease, new JobProgress(1, 3, 2, 5), started: true, default));
        var running = (await store.FindAsync(id, default))!;
        Assert.Equal(JobStatus.Running, running.Snapshot().Status);
        Assert.Equal(new JobProgress(1, 3, 2, 5), running.Progress);
        Assert.Null(await store.OpenResultAsync(id, default));

        var result = Bytes(3 * 1024 * 1024 + 7, 2);
        Assert.True(await store.SucceedAsync(id, "a", Writes(result), new JobProgress(3, 3, 5, 5), default));
        var done = (await store.FindAsync(id, default))!;
        Assert.Equal(JobStatus.Succeeded, done.State);
        Assert.Equal(result.Length, done.ResultBytes);
        Assert.InRange(done.ExpiresAt!.Value - done.FinishedAt!.Value, TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(60));
        Assert.Equal(result, await ReadAllAsync((await store.OpenResultAsync(id, default))!));
        Assert.Equal(0, await store.CountQueuedAsync(default));
    }

    [Fact]
    public async Task Concurrent_claimers_take_each_job_exactly_once()
    {
        await using var store = await OpenAsync(Options());
        var jobs = Enumerable.Range(0, 24).Select(i => Job([(byte)i], $"r{i}.fif")).ToList();
        await store.SubmitAsync(jobs, Guid.NewGuid(), null, default);

        async Task<List<Guid>> ClaimerAsync(string owner)
        {
            var mine = new List<Guid>();
            while (await store.ClaimAsync(owner, Lease, default) is { } job) mine.Add(job.Id);
            return mine;
        }
        var claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => ClaimerAsync($"w{i}"))));
        var all = claims.SelectMany(c => c).ToList();
        Assert.Equal(24, all.Count);
        Assert.Equal(jobs.Select(j => j.Id).Order(), all.Order());
    }

    [Fact]
    public async Task A_lost_lease_requeues_the_job_and_repeated_loss_fails_it_with_the_reason()
    {
        await using var store = await OpenAsync(Options(maxAttempts: 2));
        var id = (await store.SubmitAsync([Job([1, 2, 3])], null, null, default)).Jobs[0].Id;
        await store.ClaimAsync("dead", Lease, default);

        Assert.Equal(0, (await store.SweepAsync(default)).Requeued); // lease still valid
        Clock.Offset += TimeSpan.FromSeconds(11);
        var sweep = await store.SweepAsync(default);
        Assert.Equal(1, sweep.Requeued);
        Assert.Equal(1, sweep.Counts.Queued);
        Assert.Equal(LeaseState.Lost, await store.RenewAsync(id, "dead", Lease, JobProgress.None, false, default));
        Assert.False(await store.SucceedAsync(id, "dead", Writes(new byte[] { 9 }), JobProgress.None, default));

        var second = await store.ClaimAsync("other", Lease, default);
        Assert.Equal(2, second!.Attempts);
        Assert.Equal([1, 2, 3], await ReadAllAsync(await store.OpenInputAsync(id, default))); // the upload is still there
        Clock.Offset += TimeSpan.FromSeconds(11);
        sweep = await store.SweepAsync(default);
        Assert.Equal((0, 1), (sweep.Requeued, sweep.GaveUp));
        var failed = (await store.FindAsync(id, default))!;
        Assert.Equal(JobStatus.Failed, failed.State);
        Assert.Contains("interrupted 2 times", failed.Snapshot().Error!.Detail);
    }

    [Fact]
    public async Task A_replica_that_lost_the_lease_mid_write_leaves_nothing_of_its_result_behind()
    {
        await using var store = await OpenAsync(Options());
        var id = (await store.SubmitAsync([Job([1, 2, 3])], null, null, default)).Jobs[0].Id;
        await store.ClaimAsync("stalled", Lease, default);
        Clock.Offset += TimeSpan.FromSeconds(11);
        Assert.Equal(1, (await store.SweepAsync(default)).Requeued);
        Assert.Equal(id, (await store.ClaimAsync("successor", Lease, default))!.Id);

        // Both write results larger than a chunk; the stalled one is half way (one chunk stored) when the successor finishes.
        var stale = Bytes(2 * 1024 * 1024 + 100, 3);
        var fresh = Bytes(2 * 1024 * 1024 + 300, 4);
        var staleWrites = store.SucceedAsync(id, "stalled", async (stream, ct) =>
        {
            await stream.WriteAsync(stale.AsMemory(0, 1_500_000), ct);
            Assert.True(await store.SucceedAsync(id, "successor", Writes(fresh), new JobProgress(1, 1, 0, 0), ct));
            await stream.WriteAsync(stale.AsMemory(1_500_000), ct);
        }, JobProgress.None, default);
        Assert.False(await staleWrites);

        var done = (await store.FindAsync(id, default))!;
        Assert.Equal((JobStatus.Succeeded, (long?)fresh.Length), (done.State, done.ResultBytes));
        Assert.Equal(fresh, await ReadAllAsync((await store.OpenResultAsync(id, default))!));
    }

    [Fact]
    public async Task A_failed_result_write_stores_nothing_and_the_job_can_still_succeed()
    {
        await using var store = await OpenAsync(Options());
        var id = await ClaimedJobAsync(store, "a");
        var broken = Bytes(3 * 1024 * 1024, 5);
        await Assert.ThrowsAsync<IOException>(() => store.SucceedAsync(id, "a", async (stream, ct) =>
        {
            await stream.WriteAsync(broken.AsMemory(0, 2_200_000), ct); // two chunks stored
            throw new IOException("the writer failed");
        }, JobProgress.None, default));
        Assert.Equal(JobStatus.Queued, (await store.FindAsync(id, default))!.Snapshot().Status); // still claimed, not started

        var result = Bytes(1024 * 1024, 6); // exactly one chunk
        Assert.True(await store.SucceedAsync(id, "a", Writes(result), JobProgress.None, default));
        Assert.Equal(result, await ReadAllAsync((await store.OpenResultAsync(id, default))!));
    }

    [Fact]
    public async Task Release_puts_a_job_back_and_counts_the_attempt_only_when_asked()
    {
        await using var store = await OpenAsync(Options());
        var id = await ClaimedJobAsync(store, "a");
        await store.ReleaseAsync(id, "a", countAttempt: false, default); // shutting down: not the job's fault
        Assert.Equal(1, (await store.ClaimAsync("b", Lease, default))!.Attempts);
        await store.ReleaseAsync(id, "b", countAttempt: true, default); // a server error: counts
        Assert.Equal(2, (await store.ClaimAsync("c", Lease, default))!.Attempts);
    }

    [Fact]
    public async Task An_idempotency_key_returns_the_first_job()
    {
        await using var store = await OpenAsync(Options());
        var first = await store.SubmitAsync([Job([1], "x.fif")], null, "key-1", default);
        var again = await store.SubmitAsync([Job([2], "y.fif")], null, "key-1", default);
        Assert.False(first.Replayed);
        Assert.True(again.Replayed);
        Assert.Equal(first.Jobs[0].Id, again.Jobs[0].Id);
        Assert.Equal("fp-x.fif", again.Jobs[0].Fingerprint); // the endpoint compares it with the new request's
        Assert.Equal(1, await store.CountQueuedAsync(default));
        var other = await store.SubmitAsync([Job([3])], null, "key-2", default);
        Assert.NotEqual(first.Jobs[0].Id, other.Jobs[0].Id);
    }

    [Fact]
    public async Task Submissions_past_MaxQueued_are_refused_whole_and_claims_make_room()
    {
        var options = Options();
        options.MaxQueued = 2;
        await using var store = await OpenAsync(options);
        await store.SubmitAsync([Job([1], "a.fif")], null, null, default);
        var batch = Guid.NewGuid();
        await Assert.ThrowsAsync<Zuna.Api.Errors.QueueFullException>(() => store.SubmitAsync([Job([2], "b.fif"), Job([3], "c.fif")], batch, null, default));
        Assert.Null(await store.FindBatchAsync(batch, default)); // nothing of the refused batch was stored
        Assert.Equal(1, await store.CountQueuedAsync(default));
        await store.SubmitAsync([Job([4], "d.fif")], null, "key", default);
        await Assert.ThrowsAsync<Zuna.Api.Errors.QueueFullException>(() => store.SubmitAsync([Job([5], "e.fif")], null, null, default));
        Assert.True((await store.SubmitAsync([Job([6], "f.fif")], null, "key", default)).Replayed); // a replay adds nothing: never refused
        Assert.NotNull(await store.ClaimAsync("a", Lease, default));
        await store.SubmitAsync([Job([7], "g.fif")], null, null, default);
        Assert.Equal(2, await store.CountQueuedAsync(default));
    }

    [Fact]
    public async Task A_submission_is_claimed_by_its_replica_at_once_unless_older_jobs_wait()
    {
        await using var store = await OpenAsync(Options());
        var claim = new JobClaim("here", Lease);
        var first = (await store.SubmitAndClaimAsync(Job([1], "a.fif"), null, claim, default)).Jobs[0];
        Assert.Equal((JobStatus.Running, "here", 1), (first.State, first.Owner, first.Attempts));
        Assert.Equal(JobStatus.Queued, first.Snapshot().Status); // claimed, not started
        Assert.Equal(first.Id, (await store.FindAsync(first.Id, default))!.Id);
        Assert.Null(await store.ClaimAsync("elsewhere", Lease, default)); // stored claimed: nobody else takes it
        Assert.Equal([1], await ReadAllAsync(await store.OpenInputAsync(first.Id, default)));

        var waiting = (await store.SubmitAsync([Job([2], "b.fif")], null, null, default)).Jobs[0];
        var second = (await store.SubmitAndClaimAsync(Job([3], "c.fif"), null, claim, default)).Jobs[0];
        Assert.Equal(JobStatus.Queued, second.State); // b waits longer: c queues behind it
        Assert.Equal(waiting.Id, (await store.ClaimAsync("elsewhere", Lease, default))!.Id);

        var keyed = (await store.SubmitAndClaimAsync(Job([4], "d.fif"), "k", claim, default)).Jobs[0];
        Assert.Equal(JobStatus.Queued, keyed.State); // c still waits
        var replay = await store.SubmitAndClaimAsync(Job([4], "d.fif"), "k", claim, default);
        Assert.True(replay.Replayed);
        Assert.Equal((keyed.Id, JobStatus.Queued), (replay.Jobs[0].Id, replay.Jobs[0].State));

        // A claim that is never run ends like a replica that died: its lease runs out and the job is queued again
        // (with b, which "elsewhere" claimed and never ran either).
        Clock.Offset += Lease + TimeSpan.FromSeconds(1);
        Assert.Equal(2, (await store.SweepAsync(default)).Requeued);
        Assert.Equal(JobStatus.Queued, (await store.FindAsync(first.Id, default))!.State);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(JobSchema.ChunkBytes - 1)]
    [InlineData(JobSchema.ChunkBytes)]
    [InlineData(JobSchema.ChunkBytes + 1)]
    public async Task An_upload_reads_back_whole_from_the_replica_that_stored_it_and_again_from_the_store(int length)
    {
        await using var store = await OpenAsync(Options());
        var upload = Bytes(length, length);
        var id = (await store.SubmitAsync([Job(upload)], null, null, default)).Jobs[0].Id;
        Assert.Equal(upload, await ReadAllAsync(await store.OpenInputAsync(id, default))); // kept in memory when it fits one chunk
        Assert.Equal(upload, await ReadAllAsync(await store.OpenInputAsync(id, default))); // then from the database
    }

    [Fact]
    public async Task Cancel_ends_a_queued_job_flags_a_running_one_and_deletes_a_finished_one()
    {
        await using var store = await OpenAsync(Options());
        var ids = (await store.SubmitAsync([Job([1], "a.fif"), Job([2], "b.fif")], Guid.NewGuid(), null, default)).Jobs.Select(j => j.Id).ToList();
        var running = (await store.ClaimAsync("a", Lease, default))!.Id;
        var queued = ids.Single(i => i != running);

        Assert.Equal(CancelOutcome.Canceled, await store.CancelAsync(queued, default));
        Assert.Equal(JobStatus.Canceled, (await store.FindAsync(queued, default))!.State);
        Assert.Equal(CancelOutcome.CancelRequested, await store.CancelAsync(running, default));
        Assert.Equal(LeaseState.CancelRequested, await store.RenewAsync(running, "a", Lease, JobProgress.None, true, default));
        await store.FinishAsync(running, "a", JobStatus.Canceled, null, default);
        Assert.Equal(CancelOutcome.Deleted, await store.CancelAsync(running, default));
        Assert.Null(await store.FindAsync(running, default));
        Assert.Equal(CancelOutcome.NotFound, await store.CancelAsync(running, default));
    }

    [Fact]
    public async Task Retention_expires_results_after_the_ttl_and_evicts_the_oldest_past_the_size_cap()
    {
        await using var store = await OpenAsync(Options(maxResultBytes: 2_500_000));
        var ids = new List<Guid>();
        foreach (int size in new[] { 1_000_000, 1_000_000, 1_000_000 })
        {
            var id = (await store.SubmitAsync([Job([1])], null, null, default)).Jobs[0].Id;
            await store.ClaimAsync("a", Lease, default);
            Assert.True(await store.SucceedAsync(id, "a", Writes(new byte[size]), JobProgress.None, default));
            ids.Add(id);
            Clock.Offset += TimeSpan.FromSeconds(1);
        }
        Assert.Null(await store.FindAsync(ids[0], default)); // evicted to make room for the third
        Assert.NotNull(await store.FindAsync(ids[1], default));

        var big = (await store.SubmitAsync([Job([1])], null, null, default)).Jobs[0].Id;
        await store.ClaimAsync("a", Lease, default);
        await store.SucceedAsync(big, "a", Writes(new byte[3_000_000]), JobProgress.None, default);
        var tooBig = (await store.FindAsync(big, default))!;
        Assert.Equal(JobStatus.Failed, tooBig.State);
        Assert.Equal(413, tooBig.Snapshot().Error!.Status);

        Clock.Offset += TimeSpan.FromMinutes(61);
        Assert.Null(await store.FindAsync(ids[2], default));
        var sweep = await store.SweepAsync(default);
        Assert.Equal(2, sweep.ExpiredResults);
        Assert.Equal(0, sweep.Counts.Total);
    }

    [Fact]
    public async Task A_batch_lists_its_items_in_order_and_cancels_the_rest()
    {
        await using var store = await OpenAsync(Options());
        var batch = Guid.NewGuid();
        var jobs = new[] { Job([1], "a.fif"), Job([2], "b.fif"), Job([3], "c.fif") };
        await store.SubmitAsync(jobs, batch, null, default);
        var first = (await store.ClaimAsync("a", Lease, default))!;
        Assert.Equal(jobs[0].Id, first.Id); // submission order
        await store.SucceedAsync(first.Id, "a", Writes(new byte[] { 7 }), JobProgress.None, default);

        Assert.Equal(2, await store.CancelBatchAsync(batch, default));
        var items = (await store.FindBatchAsync(batch, default))!;
        Assert.Equal(["a.fif", "b.fif", "c.fif"], items.Select(i => i.FileName));
        Assert.Equal([JobStatus.Succeeded, JobStatus.Canceled, JobStatus.Canceled], items.Select(i => i.State));
        Assert.Null(await store.FindBatchAsync(Guid.NewGuid(), default));
        Assert.Equal(JsonValueKind.Null, JsonSerializer.SerializeToElement(items[1].Snapshot().Error).ValueKind);
    }
}

/// <summary>The contract on SQLite in a temporary directory, plus what only a single-machine store does.</summary>
public sealed class SqliteJobStoreTests : JobStoreContract, IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("zuna-jobs-");

    protected override async Task<SqlJobStore> OpenAsync(JobsOptions options)
    {
        var store = new SqlJobStore(SqliteDialect.InDirectory(_directory.FullName), options, Clock, Telemetry());
        await store.InitializeAsync(default);
        return store;
    }

    [Fact]
    public async Task Jobs_survive_a_restart_and_what_a_crash_left_claimed_is_requeued_at_once()
    {
        Guid done, interrupted;
        var store = await OpenAsync(Options());
        done = (await store.SubmitAsync([Job([1])], null, null, default)).Jobs[0].Id;
        await store.ClaimAsync("a", TimeSpan.FromHours(1), default);
        await store.SucceedAsync(done, "a", Writes(new byte[] { 42 }), JobProgress.None, default);
        interrupted = (await store.SubmitAsync([Job([2])], null, null, default)).Jobs[0].Id;
        await store.ClaimAsync("a", TimeSpan.FromHours(1), default); // the process "dies" holding it
        await store.DisposeAsync();

        await using var reopened = await OpenAsync(Options());
        Assert.Equal([42], await ReadAllAsync((await reopened.OpenResultAsync(done, default))!));
        var requeued = (await reopened.ClaimAsync("b", TimeSpan.FromHours(1), default))!;
        Assert.Equal((interrupted, 2), (requeued.Id, requeued.Attempts));
    }

    [Fact]
    public async Task A_second_process_on_the_same_directory_is_refused_with_the_reason()
    {
        await using var store = await OpenAsync(Options());
        var error = Assert.Throws<InvalidOperationException>(() => SqliteDialect.InDirectory(_directory.FullName));
        Assert.Contains("Zuna:Jobs:Store=postgres", error.Message);
    }

    public void Dispose() => _directory.Delete(recursive: true);
}

/// <summary>The contract on a real PostgreSQL server, a fresh database per test.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresJobStoreTests(PostgresServer server) : JobStoreContract
{
    protected override async Task<SqlJobStore> OpenAsync(JobsOptions options)
    {
        var store = new SqlJobStore(new PostgresDialect(await server.CreateDatabaseAsync()), options, Clock, Telemetry());
        await store.InitializeAsync(default);
        return store;
    }

    [Fact]
    public async Task Replicas_starting_together_create_the_schema_once()
    {
        string database = await server.CreateDatabaseAsync();
        var stores = Enumerable.Range(0, 3).Select(_ => new SqlJobStore(new PostgresDialect(database), Options(), Clock, Telemetry())).ToList();
        await Task.WhenAll(stores.Select(s => s.InitializeAsync(default)));
        var id = (await stores[0].SubmitAsync([Job([5])], null, null, default)).Jobs[0].Id;
        Assert.Equal(id, (await stores[2].ClaimAsync("x", TimeSpan.FromSeconds(10), default))!.Id);
        foreach (var store in stores) await store.DisposeAsync();
    }

    [Fact]
    public async Task A_replica_hears_each_change_another_commits()
    {
        string database = await server.CreateDatabaseAsync();
        await using var listener = new SqlJobStore(new PostgresDialect(database), Options(), Clock, Telemetry());
        await using var other = new SqlJobStore(new PostgresDialect(database), Options(), Clock, Telemetry());
        await listener.InitializeAsync(default);
        await other.InitializeAsync(default);
        var heard = Channel.CreateUnbounded<JobChange>();
        using var stop = new CancellationTokenSource();
        var listening = listener.ListenAsync(change => heard.Writer.TryWrite(change), stop.Token);

        // LISTEN takes effect some time after the call: submit until the first notification arrives.
        var early = new List<Guid>();
        do early.Add((await other.SubmitAsync([Job([1])], null, null, default)).Jobs[0].Id);
        while (!await heard.Reader.WaitToReadAsync().AsTask().WaitAsync(TimeSpan.FromMilliseconds(200)).ContinueWith(t => t.IsCompletedSuccessfully));
        while (heard.Reader.TryRead(out var change)) Assert.Equal(JobStatus.Queued, change.State);

        // From now on every commit is heard, in order: submitted, claimed, cancel asked, canceled.
        var id = (await other.SubmitAsync([Job([2])], null, null, default)).Jobs[0].Id;
        Assert.Equal(new JobChange(id, JobStatus.Queued, false), await NextAsync(heard, id));
        foreach (var job in early) await other.CancelAsync(job, default);
        Assert.Equal(id, (await other.ClaimAsync("b", Lease, default))!.Id);
        Assert.Equal(new JobChange(id, JobStatus.Running, false), await NextAsync(heard, id));
        await other.CancelAsync(id, default);
        Assert.Equal(new JobChange(id, JobStatus.Running, true), await NextAsync(heard, id));
        await other.FinishAsync(id, "b", JobStatus.Canceled, null, default);
        Assert.Equal(JobStatus.Canceled, (await NextAsync(heard, id)).State);

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => listening);
    }

    /// <summary>The next change heard about <paramref name="id"/> (others, of earlier submissions, are skipped).</summary>
    private static async Task<JobChange> NextAsync(Channel<JobChange> heard, Guid id)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var change = await heard.Reader.ReadAsync(deadline.Token);
            if (change.Id == id) return change;
        }
    }
}
