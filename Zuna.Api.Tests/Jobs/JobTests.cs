using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Zuna.Api.Tests.Api;

namespace Zuna.Api.Tests.Jobs;

/// <summary>The job lifecycle (submit, progress over SSE, result, cancel, expiry, size cap) against the real engine.</summary>
public sealed class JobTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static async Task<(Uri Location, JsonElement Job)> SubmitAsync(HttpClient client, params (string, string)[] fields)
    {
        var response = await client.PostAsync("/v1/jobs", ZunaServer.SampleUpload(fields));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"/v1/jobs/{job.GetProperty("id").GetString()}", response.Headers.Location!.ToString());
        return (response.Headers.Location, job);
    }

    private static async Task<JsonElement> UntilStatusAsync(HttpClient client, Uri location, string status)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var job = await client.GetFromJsonAsync<JsonElement>(location);
            if (job.GetProperty("status").GetString() == status) return job;
            Assert.True(DateTime.UtcNow < deadline, $"job never became {status}; last: {job}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Job_streams_progress_over_sse_and_its_result_equals_the_engine()
    {
        await using var server = new ZunaServer(new() { ["Zuna:Batching:MaxBatchEpochs"] = "2" }, kestrel: true, gated: true);
        server.Gate!.OpenLoad();
        var client = await server.ReadyClientAsync();

        var (location, submitted) = await SubmitAsync(client, ("operation", "reconstructions"), ("steps", "2"), ("seed", "5"));
        Assert.Equal("reconstructions", submitted.GetProperty("operation").GetString());
        Assert.True(await server.Gate.BatchEnteredAsync(Wait));
        var running = await client.GetFromJsonAsync<JsonElement>(location);
        Assert.Equal("running", running.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await client.GetAsync($"{location}/result")).StatusCode);

        using var events = await client.GetAsync($"{location}/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", events.Content.Headers.ContentType!.MediaType);
        server.Gate.OpenBatches();
        var snapshots = new List<JsonElement>();
        using (var reader = new StreamReader(await events.Content.ReadAsStreamAsync()))
        {
            string? eventName = null;
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal)) eventName = line["event: ".Length..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    Assert.Equal("status", eventName);
                    snapshots.Add(JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone());
                }
            }
        }
        Assert.Equal("running", snapshots[0].GetProperty("status").GetString());
        var last = snapshots[^1];
        Assert.Equal("succeeded", last.GetProperty("status").GetString());
        var progress = last.GetProperty("progress");
        Assert.Equal(3, progress.GetProperty("epochs_done").GetInt32());
        Assert.Equal(3, progress.GetProperty("epochs_total").GetInt32());
        Assert.Equal(2, progress.GetProperty("steps_total").GetInt32());
        // Two batches (2 + 1 epochs) of 2 steps each report steps between the first and the final snapshot.
        Assert.Contains(snapshots, s => s.GetProperty("progress").GetProperty("steps_done").GetInt32() == 1);
        Assert.Contains(snapshots, s => s.GetProperty("progress").GetProperty("epochs_done").GetInt32() == 2);

        var result = await client.GetAsync(last.GetProperty("result_url").GetString());
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        using var tensors = EngineReference.Tensors(await result.Content.ReadAsByteArrayAsync());
        var expected = EngineReference.Reconstruct(EngineReference.Sample(), seed: 5, steps: 2);
        Assert.True(EngineReference.MaxAbsDiff(tensors.ReadFloat32("reconstruction"), expected) <= 1e-4);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync(location)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(location)).StatusCode);
    }

    [Fact]
    public async Task Deleting_a_running_job_cancels_it()
    {
        await using var server = new ZunaServer(gated: true);
        server.Gate!.OpenLoad();
        var client = await server.ReadyClientAsync();
        var (location, _) = await SubmitAsync(client, ("operation", "reconstructions"), ("steps", "2"));
        Assert.True(await server.Gate.BatchEnteredAsync(Wait));
        var (waiting, _) = await SubmitAsync(client, ("operation", "embeddings"));
        Assert.Equal("queued", (await client.GetFromJsonAsync<JsonElement>(waiting)).GetProperty("status").GetString());

        Assert.Equal(HttpStatusCode.Accepted, (await client.DeleteAsync(location)).StatusCode);
        var job = await UntilStatusAsync(client, location, "canceled");
        Assert.True(job.TryGetProperty("finished_at", out _));
        // The job reports cancellation at once; the worker notices it on its own thread right after.
        var deadline = DateTime.UtcNow + Wait;
        while (server.Gate.CancelledBatches == 0 && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.Equal(1, server.Gate.CancelledBatches);
        await ErrorResponseTests.ProblemAsync(await client.GetAsync($"{location}/result"), HttpStatusCode.Conflict);

        server.Gate.OpenBatches(); // the queued job runs once the worker is free
        await UntilStatusAsync(client, waiting, "succeeded");
    }

    [Fact]
    public async Task Submissions_past_the_queued_bound_are_refused_with_429()
    {
        await using var server = new ZunaServer(new() { ["Zuna:Jobs:MaxQueued"] = "1", ["Zuna:Jobs:MaxConcurrent"] = "1" }, gated: true);
        server.Gate!.OpenLoad();
        var client = await server.ReadyClientAsync();
        var (first, _) = await SubmitAsync(client, ("operation", "embeddings"));
        Assert.True(await server.Gate.BatchEnteredAsync(Wait)); // claimed and running: no longer queued
        var (second, _) = await SubmitAsync(client, ("operation", "embeddings"));

        var refused = await client.PostAsync("/v1/jobs", ZunaServer.SampleUpload(("operation", "embeddings")));
        var problem = await ErrorResponseTests.ProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.True(refused.Headers.Contains("Retry-After"));
        Assert.Contains("1", problem.GetProperty("detail").GetString());

        server.Gate.OpenBatches();
        await UntilStatusAsync(client, first, "succeeded");
        await UntilStatusAsync(client, second, "succeeded");
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/v1/jobs", ZunaServer.SampleUpload(("operation", "embeddings")))).StatusCode);
    }

    [Fact]
    public async Task Failed_job_reports_the_problem_a_synchronous_request_would_get()
    {
        await using var server = new ZunaServer();
        var client = await server.ReadyClientAsync();
        var response = await client.PostAsync("/v1/jobs", ZunaServer.Upload(Encoding.ASCII.GetBytes("not a fif file at all"), "bad.fif",
            ("operation", "embeddings")));
        var location = response.Headers.Location!;
        var job = await UntilStatusAsync(client, location, "failed");
        Assert.Equal(422, job.GetProperty("error").GetProperty("status").GetInt32());
        var problem = await ErrorResponseTests.ProblemAsync(await client.GetAsync($"{location}/result"), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("bad.fif", problem.GetProperty("detail").GetString());

        await ErrorResponseTests.ProblemAsync(await client.PostAsync("/v1/jobs", ZunaServer.SampleUpload(("operation", "dance"))), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Json_job_result_and_expiry_after_the_ttl()
    {
        var clock = new ManualClock();
        await using var server = new ZunaServer(new() { ["Zuna:Jobs:ResultTtlMinutes"] = "10" }, clock: clock);
        var client = await server.ReadyClientAsync();
        var (location, _) = await SubmitAsync(client, ("operation", "embeddings"), ("format", "json"));
        await UntilStatusAsync(client, location, "succeeded");
        var result = await client.GetAsync($"{location}/result");
        Assert.Equal("application/json", result.Content.Headers.ContentType!.MediaType);
        var json = await result.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, json.GetProperty("latents").GetArrayLength());

        clock.Offset = TimeSpan.FromMinutes(11);
        await ErrorResponseTests.ProblemAsync(await client.GetAsync(location), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Result_larger_than_the_store_fails_the_job_with_413()
    {
        await using var server = new ZunaServer(new() { ["Zuna:Jobs:MaxResultBytes"] = "10000" });
        var client = await server.ReadyClientAsync();
        var (location, _) = await SubmitAsync(client, ("operation", "preprocess")); // 3×12×1280 floats ≈ 184 kB
        var job = await UntilStatusAsync(client, location, "failed");
        Assert.Equal(413, job.GetProperty("error").GetProperty("status").GetInt32());
        Assert.Contains("Zuna:Jobs:MaxResultBytes", job.GetProperty("error").GetProperty("detail").GetString());
    }
}
