using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Zuna.Api.Tests.Api;

/// <summary>
/// Queueing, batching, deadlines, cancellation and shutdown, with the real engine held at a <see cref="ModelGate"/>
/// so that "the worker is busy" is a fact rather than a race. Over real Kestrel where disconnects matter.
/// </summary>
public sealed class QueueTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static async Task<int> QueueDepthAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/v1/info")).GetProperty("queue_depth").GetInt32();

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Loading_model_is_live_but_not_ready_and_refuses_work_with_503()
    {
        await using var server = new ZunaServer(gated: true);
        var client = server.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);
        var problem = await ErrorResponseTests.ProblemAsync(
            await client.PostAsync("/v1/embeddings", ZunaServer.SampleUpload()), HttpStatusCode.ServiceUnavailable);
        Assert.Contains("loading", problem.GetProperty("detail").GetString());

        server.Gate!.OpenLoad();
        server.Gate.OpenBatches();
        await UntilAsync(async () => (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, "ready");
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/embeddings", ZunaServer.SampleUpload())).StatusCode);
    }

    [Fact]
    public async Task Full_queue_answers_429_with_retry_after_and_queued_work_still_completes()
    {
        await using var server = new ZunaServer(new() { ["Zuna:Queue:Capacity"] = "1" }, gated: true);
        server.Gate!.OpenLoad();
        var client = await server.ReadyClientAsync();

        var running = client.PostAsync("/v1/embeddings", ZunaServer.SampleUpload());
        Assert.True(await server.Gate.BatchEnteredAsync(Wait), "the first request never reached the model");
        var queued = client.PostAsync("/v1/embeddings", ZunaServer.SampleUpload());
        await UntilAsync(async () => await QueueDepthAsync(client) == 1, "the second request is queued");

        var rejected = await client.PostAsync("/v1/embeddings", ZunaServer.SampleUpload());
        var problem = await ErrorResponseTests.ProblemAsync(rejected, HttpStatusCode.TooManyRequests);
        Assert.Contains("queue is full", problem.GetProperty("detail").GetString());
        Assert.True(int.Parse(rejected.Headers.GetValues("Retry-After").Single()) >= 1);

        server.Gate.OpenBatches();
        Assert.Equal(HttpStatusCode.OK, (await running).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await queued).StatusCode);
    }

    [Fact]
    public async Task Passed_deadline_is_504()
    {
        await using var server = new ZunaServer(new() { ["Zuna:Limits:RequestTimeoutSeconds"] = "2" }, gated: true);
        server.Gate!.OpenLoad();
        var client = await server.ReadyClientAsync();
        // Warm the parse and preprocessing code first: on a busy CI machine their first (JIT) run alone can
        // outlast the deadline, and then the request never reaches the held batch this test is about.
        (await client.PostAsync("/v1/preprocess", ZunaServer.SampleUpload())).EnsureSuccessStatusCode();
        var response = await client.PostAsync("/v1/reconstructions", ZunaServer.SampleUpload(("steps", "2")));
        var problem = await ErrorResponseTests.ProblemAsync(response, HttpStatusCode.GatewayTimeout);
        Assert.Contains("2 s", problem.GetProperty("detail").GetString());
        Assert.Equal(1, server.Gate.BatchesEntered);
        // The 504 is sent as the deadline fires; the worker sees the same token a moment later.
        await UntilAsync(() => Task.FromResult(server.Gate.CancelledBatches == 1), "the held batch was cancelled, not left running");
    }

    [Fact]
    public async Task Client_disconnect_cancels_queued_and_running_work()
    {
        await using var server = new ZunaServer(kestrel: true, gated: true);
        server.Gate!.OpenLoad();
        var client = await server.ReadyClientAsync();

        using var runningAbort = new CancellationTokenSource();
        using var queuedAbort = new CancellationTokenSource();
        var running = client.PostAsync("/v1/reconstructions", ZunaServer.SampleUpload(("steps", "2")), runningAbort.Token);
        Assert.True(await server.Gate.BatchEnteredAsync(Wait));
        var queued = client.PostAsync("/v1/reconstructions", ZunaServer.SampleUpload(("steps", "2")), queuedAbort.Token);
        await UntilAsync(async () => await QueueDepthAsync(client) == 1, "the second request is queued");

        await queuedAbort.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        await UntilAsync(async () => await QueueDepthAsync(client) == 0, "the abandoned request left the queue");

        await runningAbort.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        await UntilAsync(() => Task.FromResult(server.Gate.CancelledBatches == 1), "the running batch was cancelled");

        // The worker is free again: the next request runs (the gate now lets batches through).
        server.Gate.OpenBatches();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/embeddings", ZunaServer.SampleUpload())).StatusCode);
        Assert.Equal(1, server.Gate.CancelledBatches);
    }

    [Fact]
    public async Task Slot_of_an_abandoned_queued_request_is_free_for_the_next_one_at_once()
    {
        await using var server = new ZunaServer(new() { ["Zuna:Queue:Capacity"] = "1" }, kestrel: true, gated: true);
        server.Gate!.OpenLoad();
        var client = await server.ReadyClientAsync();

        var running = client.PostAsync("/v1/embeddings", ZunaServer.SampleUpload());
        Assert.True(await server.Gate.BatchEnteredAsync(Wait));
        using var abandon = new CancellationTokenSource();
        var abandoned = client.PostAsync("/v1/embeddings", ZunaServer.SampleUpload(), abandon.Token);
        await UntilAsync(async () => await QueueDepthAsync(client) == 1, "the second request is queued");
        await abandon.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        await UntilAsync(async () => await QueueDepthAsync(client) == 0, "the abandoned request left the queue");

        // The worker is still busy, so the abandoned request is still in the channel; its slot must not be.
        var next = client.PostAsync("/v1/embeddings", ZunaServer.SampleUpload());
        await UntilAsync(async () => await QueueDepthAsync(client) == 1 || next.IsCompleted, "the next request is queued");
        Assert.False(next.IsCompleted, $"the next request was answered {(next.IsCompleted ? (await next).StatusCode : 0)} while a slot was free");

        server.Gate.OpenBatches();
        Assert.Equal(HttpStatusCode.OK, (await running).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await next).StatusCode);
    }

    [Fact]
    public async Task Finished_request_is_not_kept_alive_by_a_cancellation_token_that_outlives_it()
    {
        // A job's token lives for the job's whole TTL; the finished work (input epochs, output) must not live with it.
        await using var server = new ZunaServer();
        await server.ReadyClientAsync();
        var queue = server.Services.GetRequiredService<Zuna.Api.Queue.InferenceQueue>();
        using var longLived = new CancellationTokenSource();
        var (finished, done) = Submit(queue, longLived.Token);
        await done;
        // Another request through the worker, so nothing of the first is left in its locals.
        var (_, next) = Submit(queue, CancellationToken.None);
        await next;

        for (int i = 0; i < 3 && finished.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.Delay(20);
        }
        Assert.False(finished.IsAlive, "the finished request is still reachable (from its token's registration)");
        GC.KeepAlive(longLived);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (WeakReference Work, Task Done) Submit(Zuna.Api.Queue.InferenceQueue queue, CancellationToken token)
    {
        var work = new Zuna.Api.Queue.InferenceWork(Zuna.Engine.Inference.Operation.Embed, EngineReference.Sample(),
            new Zuna.Engine.Inference.SamplerOptions(), 0, token);
        Task done = queue.Submit(work);
        return (new WeakReference(work), done);
    }

    [Fact]
    public async Task At_most_one_upload_per_core_is_parsed_at_a_time_and_a_waiting_one_can_give_up()
    {
        await using var server = new ZunaServer(kestrel: true, gated: true);
        server.Gate!.OpenLoad();
        var client = await server.ReadyClientAsync();
        server.Gate.HoldDecodes();
        int cores = Environment.ProcessorCount;

        var parsing = Enumerable.Range(0, cores).Select(_ => client.PostAsync("/v1/preprocess", ZunaServer.SampleUpload())).ToArray();
        await UntilAsync(() => Task.FromResult(server.Gate.DecodesEntered == cores), "one upload per core is being parsed");
        using var giveUp = new CancellationTokenSource();
        var extra = client.PostAsync("/v1/preprocess", ZunaServer.SampleUpload(), giveUp.Token);
        await Task.Delay(500); // time for the extra upload to arrive and (wrongly) start parsing
        Assert.Equal(cores, server.Gate.DecodesEntered);

        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => extra);
        // The client gives up at once; the server learns of the abort a moment later. Slots must not free up before it
        // has, or the abandoned upload would (rightly) take one.
        await Task.Delay(500);
        server.Gate.OpenDecodes();
        Assert.All(await Task.WhenAll(parsing), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/preprocess", ZunaServer.SampleUpload())).StatusCode);
        Assert.Equal(cores + 1, server.Gate.DecodesEntered); // the abandoned upload was never parsed
    }

    [Fact]
    public async Task Concurrent_requests_share_a_batch_and_each_gets_its_own_result()
    {
        // A long batch delay makes the worker wait for the second request; both have the sample's channel layout.
        await using var server = new ZunaServer(new()
        {
            ["Zuna:Batching:MaxBatchDelayMs"] = "3000",
            ["Zuna:Batching:MaxBatchEpochs"] = "6",
        }, gated: true);
        server.Gate!.OpenLoad();
        server.Gate.OpenBatches();
        var client = await server.ReadyClientAsync();
        int batchesBefore = server.Gate.BatchesEntered;

        var first = client.PostAsync("/v1/reconstructions", ZunaServer.SampleUpload(("steps", "2"), ("seed", "101")));
        var second = client.PostAsync("/v1/reconstructions", ZunaServer.SampleUpload(("steps", "2"), ("seed", "202")));
        var responses = await Task.WhenAll(first, second);
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, server.Gate.BatchesEntered - batchesBefore); // 3 + 3 epochs in one forward pass

        var input = EngineReference.Sample();
        foreach (var (response, seed) in responses.Zip(new long[] { 101, 202 }))
        {
            using var tensors = EngineReference.Tensors(await response.Content.ReadAsByteArrayAsync());
            var expected = EngineReference.Reconstruct(input, seed, steps: 2);
            Assert.True(EngineReference.MaxAbsDiff(tensors.ReadFloat32("reconstruction"), expected) <= 1e-4, $"seed {seed}");
        }
    }

    [Fact]
    public async Task With_batching_on_requests_waiting_beside_a_forming_batch_still_count_against_the_queue()
    {
        // The worker waits up to MaxBatchDelayMs for partners of the embedding and meanwhile takes the two
        // reconstructions off the channel: they are still waiting, so they keep their slots and the job stays queued.
        await using var server = new ZunaServer(new()
        {
            ["Zuna:Queue:Capacity"] = "2",
            ["Zuna:Batching:MaxBatchDelayMs"] = "2000",
            ["Zuna:Batching:MaxBatchEpochs"] = "6",
        }, gated: true);
        server.Gate!.OpenLoad();
        var client = await server.ReadyClientAsync();

        var embed = await client.PostAsync("/v1/jobs", ZunaServer.SampleUpload(("operation", "embeddings")));
        var embedJob = embed.Headers.Location!;
        await UntilAsync(async () => await JobStatusAsync(client, embedJob) == "running", "the embedding leads a batch");
        var reconstructJob = (await client.PostAsync("/v1/jobs", ZunaServer.SampleUpload(("operation", "reconstructions"), ("steps", "2")))).Headers.Location!;
        var reconstruct = client.PostAsync("/v1/reconstructions", ZunaServer.SampleUpload(("steps", "2")));
        await UntilAsync(async () => await QueueDepthAsync(client) == 2, "both reconstructions are queued");
        await Task.Delay(300); // time for the worker to read them off the channel while it waits for partners

        Assert.Equal(2, await QueueDepthAsync(client));
        Assert.Equal("queued", await JobStatusAsync(client, reconstructJob));
        await ErrorResponseTests.ProblemAsync(await client.PostAsync("/v1/embeddings", ZunaServer.SampleUpload()), HttpStatusCode.TooManyRequests);

        server.Gate.OpenBatches();
        Assert.Equal(HttpStatusCode.OK, (await reconstruct).StatusCode);
        await UntilAsync(async () => await JobStatusAsync(client, reconstructJob) == "succeeded", "the queued job ran");
        await UntilAsync(async () => await JobStatusAsync(client, embedJob) == "succeeded", "the leading job ran");
    }

    private static async Task<string?> JobStatusAsync(HttpClient client, Uri job) =>
        (await client.GetFromJsonAsync<JsonElement>(job)).GetProperty("status").GetString();

    [Fact]
    public async Task Shutdown_turns_readiness_off_refuses_new_work_and_finishes_in_flight_work()
    {
        await using var server = new ZunaServer(new() { ["Zuna:Limits:ShutdownTimeoutSeconds"] = "20" }, kestrel: true, gated: true);
        server.Gate!.OpenLoad();
        var client = await server.ReadyClientAsync();
        var inFlight = client.PostAsync("/v1/embeddings", ZunaServer.SampleUpload());
        Assert.True(await server.Gate.BatchEnteredAsync(Wait));

        var lifetime = server.Services.GetRequiredService<IHostApplicationLifetime>();
        var stopping = Task.Run(lifetime.StopApplication);
        var host = server.Services.GetRequiredService<Zuna.Api.Backend.ModelHost>();
        await UntilAsync(() => Task.FromResult(host.State == Zuna.Api.Backend.ModelState.Draining), "draining");
        Assert.False(host.IsReady);
        var refused = Assert.Throws<Zuna.Api.Errors.ServiceNotReadyException>(() => host.EnsureReady());
        Assert.Contains("shutting down", refused.Message);

        server.Gate.OpenBatches();
        var response = await inFlight;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var tensors = EngineReference.Tensors(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal([3L, 480, 32], tensors.Entry("latents").Shape);
        await stopping;
    }
}
