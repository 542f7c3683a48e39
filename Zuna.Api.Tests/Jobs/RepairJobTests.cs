using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Zuna.Api.Tests.Api;
using Zuna.Engine.Fif;
using Zuna.Engine.Input;
using Zuna.Engine.Repair;

namespace Zuna.Api.Tests.Jobs;

/// <summary>A service on the ZUNA1.1 fixture model over a real socket (the SSE test reads a live stream), jobs in memory.</summary>
public sealed class Zuna11JobServer : IAsyncLifetime
{
    public ZunaServer Server { get; } = new(new() { ["Zuna:Model:Path"] = SharedData.Path("fixtures/zuna11") }, kestrel: true);
    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync() => Client = await Server.ReadyClientAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// operation=repairs on POST /v1/jobs and /v1/batches with the ZUNA1.1 fixture model: progress in windows over SSE, the
/// result byte-for-byte what POST /v1/repairs answers for the same fields and seed (safetensors and FIF), Idempotency-Key.
/// </summary>
public sealed class RepairJobTests(Zuna11JobServer shared) : IClassFixture<Zuna11JobServer>
{
    internal const string Recording = "fixtures/zuna11/pipeline/fifA_raw.fif";

    /// <summary>fifA's case of the fixtures: a channel repaired throughout, a span on one channel and one on all (3 windows).</summary>
    internal static readonly (string, string)[] RepairFields =
        [("repair_channels", "fp1"), ("bad_segments", "11.0-11.5:F8,13.0-13.2"), ("steps", "2"), ("seed", "7")];

    private readonly HttpClient _client = shared.Client;

    internal static MultipartFormDataContent Upload(params (string, string)[] fields) =>
        ZunaServer.Upload(File.ReadAllBytes(SharedData.Path(Recording)), "fifA_raw.fif", fields);

    private static int WindowCount()
    {
        var options = RepairOptions.Default with { RepairChannels = ["fp1"], BadSegments = BadSegment.ParseList("11.0-11.5:F8,13.0-13.2") };
        return RepairPipeline.Plan(RecordingLoader.Default, RecordingSource.FromFile(SharedData.Path(Recording)), options, []).Windows.Count;
    }

    internal static async Task<List<JsonElement>> FollowAsync(HttpClient client, Uri job)
    {
        using var events = await client.GetAsync($"{job}/events", HttpCompletionOption.ResponseHeadersRead);
        var snapshots = new List<JsonElement>();
        using var reader = new StreamReader(await events.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
            if (line.StartsWith("data: ", StringComparison.Ordinal))
                snapshots.Add(JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone());
        return snapshots;
    }

    private async Task<Uri> SubmitAsync(params (string, string)[] fields)
    {
        var response = await _client.PostAsync("/v1/jobs", Upload([("operation", "repairs"), .. fields]));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("repairs", job.GetProperty("operation").GetString());
        return response.Headers.Location!;
    }

    private async Task<byte[]> SynchronousAsync(string format)
    {
        var response = await _client.PostAsync($"/v1/repairs?format={format}", Upload(RepairFields));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    [Fact]
    public async Task A_repair_job_counts_windows_on_events_and_answers_the_bytes_of_the_synchronous_repair()
    {
        var job = await SubmitAsync([.. RepairFields, ("format", "safetensors")]);
        var snapshots = await FollowAsync(_client, job);
        var last = snapshots[^1];
        Assert.Equal("succeeded", last.GetProperty("status").GetString());
        int windows = WindowCount();
        Assert.Equal(3, windows);
        var progress = last.GetProperty("progress");
        Assert.Equal((windows, windows, 2), (progress.GetProperty("epochs_done").GetInt32(), progress.GetProperty("epochs_total").GetInt32(),
            progress.GetProperty("steps_total").GetInt32()));
        // Every report counts out of the recording's windows, never out of one batch's.
        Assert.All(snapshots.Where(s => s.GetProperty("status").GetString() == "running"),
            s => Assert.Equal(windows, s.GetProperty("progress").GetProperty("epochs_total").GetInt32()));

        var result = await _client.GetByteArrayAsync(last.GetProperty("result_url").GetString());
        Assert.Equal(await SynchronousAsync("safetensors"), result);
        using var tensors = EngineReference.Tensors(result);
        Assert.Equal("repairs", tensors.Metadata["operation"]);
        Assert.Equal("7", tensors.Metadata["seed"]);
        Assert.Contains((byte)1, tensors.Bytes("mask").ToArray());
    }

    [Fact]
    public async Task A_fif_repair_job_answers_the_hybrid_recording_of_the_synchronous_repair()
    {
        var job = await SubmitAsync([.. RepairFields, ("format", "fif")]);
        var done = await BatchTests.UntilAsync(_client, job.ToString(), j => j.GetProperty("status").GetString() is "succeeded" or "failed");
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        var response = await _client.GetAsync(done.GetProperty("result_url").GetString());
        Assert.EndsWith(".fif", response.Content.Headers.ContentDisposition!.FileName!.Trim('"'), StringComparison.Ordinal);
        // The FIF header carries a file id with the time of writing: the files are compared by what they hold.
        var fromJob = FifReader.Read(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), "job");
        var fromEndpoint = FifReader.Read(new MemoryStream(await SynchronousAsync("fif")), "endpoint");
        Assert.Equal(fromEndpoint.Channels.Select(c => (c.Name, string.Join(",", c.Location))), fromJob.Channels.Select(c => (c.Name, string.Join(",", c.Location))));
        Assert.Equal((256.0, 3776), (fromJob.SampleRate, fromJob.SampleCount));
        for (int c = 0; c < fromJob.Channels.Count; c++) Assert.Equal(fromEndpoint.Data[c], fromJob.Data[c]);
        Assert.Equal(fromEndpoint.Annotations.Select(a => (a.Onset, a.Duration, a.Description, string.Join(",", a.ChannelNames))),
            fromJob.Annotations.Select(a => (a.Onset, a.Duration, a.Description, string.Join(",", a.ChannelNames))));
        Assert.Contains(fromJob.Annotations, a => a.Description == "ZUNA1.1_infilled");
        Assert.Equal(fromEndpoint.MeasurementDate, fromJob.MeasurementDate);
        Assert.Equal(fromEndpoint.BadChannels, fromJob.BadChannels);
    }

    [Fact]
    public async Task The_same_idempotency_key_replays_a_repair_job_and_other_repair_fields_under_it_are_422()
    {
        async Task<HttpResponseMessage> PostAsync(string key, params (string, string)[] fields)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/jobs") { Content = Upload([("operation", "repairs"), .. fields]) };
            request.Headers.Add("Idempotency-Key", key);
            return await _client.SendAsync(request);
        }

        string key = Guid.NewGuid().ToString();
        var first = await PostAsync(key, RepairFields);
        var retry = await PostAsync(key, RepairFields);
        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, retry.StatusCode));
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.True(retry.Headers.Contains("Idempotent-Replayed"));
        // Only a repair field differs: a different request.
        var changed = await PostAsync(key, [.. RepairFields.Where(f => f.Item1 != "bad_segments"), ("bad_segments", "1-2")]);
        var problem = await ErrorResponseTests.ProblemAsync(changed, HttpStatusCode.UnprocessableEntity);
        Assert.Contains(key, problem.GetProperty("detail").GetString());
        await BatchTests.UntilAsync(_client, first.Headers.Location!.ToString(), j => j.GetProperty("status").GetString() == "succeeded");
    }

    [Fact]
    public async Task A_repair_batch_repairs_every_recording_and_the_archive_holds_each_result()
    {
        var bytes = await File.ReadAllBytesAsync(SharedData.Path(Recording));
        var form = new MultipartFormDataContent();
        foreach (var name in new[] { "one_raw.fif", "two_raw.fif" }) form.Add(new ByteArrayContent(bytes), "file", name);
        foreach (var (name, value) in RepairFields.Append(("operation", "repairs"))) form.Add(new StringContent(value), name);
        var response = await _client.PostAsync("/v1/batches", form);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        string id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var batch = await BatchTests.UntilAsync(_client, $"/v1/batches/{id}", b => b.GetProperty("status").GetString() == "completed");
        Assert.Equal(2, batch.GetProperty("counts").GetProperty("succeeded").GetInt32());
        Assert.Equal(2 * WindowCount(), batch.GetProperty("progress").GetProperty("epochs_total").GetInt32());
        var expected = await SynchronousAsync("safetensors");
        using var archive = new ZipArchive(await _client.GetStreamAsync($"/v1/batches/{id}/results"));
        Assert.Equal(["0000_one_raw.safetensors", "0001_two_raw.safetensors"], archive.Entries.Select(e => e.FullName));
        foreach (var entry in archive.Entries)
        {
            using var content = new MemoryStream();
            await using (var s = entry.Open()) await s.CopyToAsync(content);
            Assert.Equal(expected, content.ToArray());
        }
    }

    [Fact]
    public async Task Bad_repair_fields_are_400_at_submission()
    {
        var response = await _client.PostAsync("/v1/jobs", Upload(("operation", "repairs"), ("segment_sec", "40")));
        var problem = await ErrorResponseTests.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("32 s", problem.GetProperty("detail").GetString());
    }
}
