using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Zuna.Api.Tests.Api;

namespace Zuna.Api.Tests.Jobs;

/// <summary>POST /v1/batches and friends, Idempotency-Key, and what /v1/info and /metrics say about the job store.</summary>
public sealed partial class BatchTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static MultipartFormDataContent Batch(IEnumerable<(byte[] Bytes, string Name)> files, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        foreach (var (bytes, name) in files)
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(content, "file", name);
        }
        foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
        return form;
    }

    internal static async Task<JsonElement> UntilAsync(HttpClient client, string url, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var body = await client.GetFromJsonAsync<JsonElement>(url);
            if (done(body)) return body;
            Assert.True(DateTime.UtcNow < deadline, $"{url} never reached the state; last: {body}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_batch_runs_one_job_per_recording_items_fail_independently_and_the_archive_holds_every_result()
    {
        await using var server = new ZunaServer();
        var client = await server.ReadyClientAsync();
        var sample = await File.ReadAllBytesAsync(ZunaServer.SamplePath);
        var response = await client.PostAsync("/v1/batches", Batch(
            [(sample, "first_raw.fif"), (Encoding.ASCII.GetBytes("not a fif file"), "broken.fif"), (sample, "third_raw.fif")],
            ("operation", "embeddings")));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = accepted.GetProperty("id").GetString();
        Assert.Equal($"/v1/batches/{id}", response.Headers.Location!.ToString());
        Assert.Equal(3, accepted.GetProperty("items").GetArrayLength());

        var batch = await UntilAsync(client, $"/v1/batches/{id}", b => b.GetProperty("status").GetString() == "completed");
        var counts = batch.GetProperty("counts");
        Assert.Equal((2, 1, 0), (counts.GetProperty("succeeded").GetInt32(), counts.GetProperty("failed").GetInt32(), counts.GetProperty("queued").GetInt32()));
        Assert.Equal(6, batch.GetProperty("progress").GetProperty("epochs_total").GetInt32()); // 3 epochs in each good recording
        var items = batch.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["first_raw.fif", "broken.fif", "third_raw.fif"], items.Select(i => i.GetProperty("file_name").GetString()));
        Assert.Equal("failed", items[1].GetProperty("status").GetString());

        using var archive = new ZipArchive(await client.GetStreamAsync($"/v1/batches/{id}/results"));
        Assert.Equal(["0000_first_raw.safetensors", "0001_broken.error.json", "0002_third_raw.safetensors"], archive.Entries.Select(e => e.FullName));
        var single = await client.GetByteArrayAsync(items[0].GetProperty("result_url").GetString());
        using (var entry = new MemoryStream())
        {
            await using (var s = archive.Entries[0].Open()) await s.CopyToAsync(entry);
            Assert.Equal(single, entry.ToArray());
        }
        await using (var error = archive.Entries[1].Open())
            Assert.Equal(422, (await JsonSerializer.DeserializeAsync<JsonElement>(error)).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Deleting_a_batch_cancels_the_items_not_finished()
    {
        await using var server = new ZunaServer(new() { ["Zuna:Jobs:MaxConcurrent"] = "1" }, gated: true);
        server.Gate!.OpenLoad();
        var client = await server.ReadyClientAsync();
        var sample = await File.ReadAllBytesAsync(ZunaServer.SamplePath);
        var response = await client.PostAsync("/v1/batches", Batch([(sample, "a.fif"), (sample, "b.fif"), (sample, "c.fif")], ("operation", "embeddings")));
        var location = response.Headers.Location!.ToString();
        Assert.True(await server.Gate.BatchEnteredAsync(Wait)); // the first item holds the worker

        Assert.Equal(HttpStatusCode.Accepted, (await client.DeleteAsync(location)).StatusCode);
        var batch = await UntilAsync(client, location, b => b.GetProperty("status").GetString() == "completed");
        Assert.Equal(3, batch.GetProperty("counts").GetProperty("canceled").GetInt32());
        using var archive = new ZipArchive(await client.GetStreamAsync($"{location}/results"));
        Assert.Empty(archive.Entries);
        await ErrorResponseTests.ProblemAsync(await client.GetAsync($"/v1/batches/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_same_idempotency_key_returns_the_same_job_and_a_different_request_under_it_is_422()
    {
        await using var server = new ZunaServer(new() { ["Zuna:Jobs:LeaseSeconds"] = "3" });
        var client = await server.ReadyClientAsync();
        async Task<HttpResponseMessage> PostAsync(string key, params (string, string)[] fields)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/jobs") { Content = ZunaServer.SampleUpload(fields) };
            request.Headers.Add("Idempotency-Key", key);
            return await client.SendAsync(request);
        }

        var first = await PostAsync("k1", ("operation", "embeddings"));
        var retry = await PostAsync("k1", ("operation", "embeddings"));
        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, retry.StatusCode));
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.True(retry.Headers.Contains("Idempotent-Replayed"));
        var problem = await ErrorResponseTests.ProblemAsync(await PostAsync("k1", ("operation", "embeddings"), ("format", "json")),
            HttpStatusCode.UnprocessableEntity);
        Assert.Contains("k1", problem.GetProperty("detail").GetString());
        var second = (await PostAsync("k2", ("operation", "embeddings"))).Headers.Location!;
        Assert.NotEqual(first.Headers.Location, second);

        foreach (var job in new[] { first.Headers.Location!, second })
            await UntilAsync(client, job.ToString(), j => j.GetProperty("status").GetString() == "succeeded");
        var info = await client.GetFromJsonAsync<JsonElement>("/v1/info");
        Assert.Equal("memory", info.GetProperty("job_store").GetString());
    }

    /// <summary>
    /// On a child process, not an in-process test server: those share the process's OpenTelemetry meter listeners, and
    /// when another test disposes its server, the disposal of its Meter("Zuna") deactivates the metric of the same name in
    /// every live server (open-telemetry/opentelemetry-dotnet#6412), so zuna_jobs vanished from /metrics once the whole
    /// suite ran in parallel. A process of its own has one host, as in production.
    /// </summary>
    [Fact]
    public async Task Metrics_count_finished_jobs_per_state()
    {
        var directory = Directory.CreateTempSubdirectory("zuna-metrics-");
        try
        {
            await using var server = await new ZunaProcess(directory.FullName, new()
            {
                ["Zuna__Jobs__Store"] = "sqlite",
                ["Zuna__Jobs__Directory"] = Path.Combine(directory.FullName, "jobs"),
                ["Zuna__Jobs__LeaseSeconds"] = "2",
            }).StartAsync();
            var client = server.Client;
            var response = await client.PostAsync("/v1/jobs", ZunaServer.SampleUpload(("operation", "embeddings")));
            await UntilAsync(client, response.Headers.Location!.ToString(), j => j.GetProperty("status").GetString() == "succeeded");
            // The sweeper (every LeaseSeconds / 2) refreshes zuna_jobs{state}.
            var deadline = DateTime.UtcNow + Wait;
            string metrics;
            do
            {
                await Task.Delay(100);
                metrics = await client.GetStringAsync("/metrics");
            } while (Succeeded(metrics) < 1 && DateTime.UtcNow < deadline);
            Assert.True(Succeeded(metrics) == 1, $"zuna_jobs{{state=\"succeeded\"}} is {Succeeded(metrics)}, expected 1:\n{metrics}");
            Assert.Matches("""zuna_jobs_claim_latency_seconds_count(\{[^}]*\})? 1\b""", metrics);
            // Counted from the start, so a rate() over them is defined before the first re-queue or expiry.
            Assert.Matches("""zuna_jobs_requeued_total(\{[^}]*\})? 0\b""", metrics);
            Assert.Matches("""zuna_jobs_results_expired_total\{[^}]*reason="ttl"[^}]*\} 0\b""", metrics);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static int Succeeded(string metrics) =>
        SucceededGauge().Match(metrics) is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;

    [GeneratedRegex("""zuna_jobs\{[^}]*state="succeeded"\} (\d+)""")]
    private static partial Regex SucceededGauge();
}
