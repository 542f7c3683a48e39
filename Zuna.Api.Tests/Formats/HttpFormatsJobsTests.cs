using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Zuna.Api.Tests.Api;
using Zuna.Api.Tests.Jobs;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Formats;

/// <summary>
/// Jobs and batches take recordings made of several files like the synchronous endpoints: companion parts go with
/// the job's `file` (jobs) or with the `file` of the same stem (batches); the stored job runs them as a zip upload.
/// Also sfreq/units form fields, and the formats in /v1/info.
/// </summary>
public sealed class HttpFormatsJobsTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private readonly HttpClient _client = shared.Client;
    private const string Bv = "brainvision/synthetic/s_bv_int16_mux_24ch_500hz";
    private const string Set = "eeglab/synthetic/s_set_fdt_chanlocs_20ch_250hz";

    private static void Add(MultipartFormDataContent form, string field, string relative)
    {
        var content = new ByteArrayContent(File.ReadAllBytes(SharedData.Path("data/formats/" + relative)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(content, field, Path.GetFileName(relative));
    }

    /// <summary>A preprocess request: <paramref name="files"/> as `file` parts, <paramref name="parts"/> as `parts`.</summary>
    private static MultipartFormDataContent Preprocess(string[] files, params string[] parts)
    {
        var form = new MultipartFormDataContent { { new StringContent("preprocess"), "operation" } };
        foreach (string file in files) Add(form, "file", file);
        foreach (string part in parts) Add(form, "parts", part);
        return form;
    }

    private async Task<long[]> ResultShapeAsync(JsonElement job)
    {
        var result = await _client.GetAsync(job.GetProperty("result_url").GetString());
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        using var file = SafeTensorsFile.FromBytes(await result.Content.ReadAsByteArrayAsync(), "result");
        return file.Entry("eeg").Shape;
    }

    [Fact]
    public async Task AJobTakesBrainVisionAsThreeParts()
    {
        var response = await _client.PostAsync("/v1/jobs", Preprocess([Bv + ".vhdr"], Bv + ".vmrk", Bv + ".eeg"));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var job = await BatchTests.UntilAsync(_client, response.Headers.Location!.ToString(), j => j.GetProperty("status").GetString() is "succeeded" or "failed");
        Assert.True(job.GetProperty("status").GetString() == "succeeded", job.ToString());
        Assert.Equal("s_bv_int16_mux_24ch_500hz.vhdr", job.GetProperty("file_name").GetString());
        Assert.Equal(new long[] { 3, 21, 1280 }, await ResultShapeAsync(job));
    }

    [Fact]
    public async Task ABatchGroupsCompanionsByStem()
    {
        var response = await _client.PostAsync("/v1/batches",
            Preprocess([Bv + ".vhdr", Set + ".set", "edf/eeglab/test.edf"], Set + ".fdt", Bv + ".eeg", Bv + ".vmrk"));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var batch = await BatchTests.UntilAsync(_client, response.Headers.Location!.ToString(), b => b.GetProperty("status").GetString() == "completed");
        var items = batch.GetProperty("items").EnumerateArray().ToList();
        Assert.All(items, i => Assert.Equal("succeeded", i.GetProperty("status").GetString()));
        Assert.Equal(new long[] { 3, 21, 1280 }, await ResultShapeAsync(items[0]));
        Assert.Equal(new long[] { 3, 19, 1280 }, await ResultShapeAsync(items[1])); // window 2 lies on BAD_seg
        Assert.Equal(new long[] { 12, 16, 1280 }, await ResultShapeAsync(items[2]));
    }

    [Fact]
    public async Task ABatchPartThatMatchesNoRecordingIsA400()
    {
        var response = await _client.PostAsync("/v1/batches", Preprocess([Bv + ".vhdr", Set + ".set"], "brainvision/synthetic/s_bv_int32_data.dat"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("s_bv_int32_data.dat", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ArrayFieldsAreRefusedForFormatsThatStateTheirOwn()
    {
        var form = new MultipartFormDataContent { { new StringContent("300"), "sfreq" } };
        Add(form, "file", "edf/eeglab/test.edf");
        var response = await _client.PostAsync("/v1/preprocess", form);
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity, response.StatusCode.ToString());
        Assert.Contains("plain arrays only", await response.Content.ReadAsStringAsync());

        var units = new MultipartFormDataContent { { new StringContent("mV"), "units" } };
        Add(units, "file", "csv/synthetic/s_csv_12ch_250hz.csv");
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PostAsync("/v1/preprocess", units)).StatusCode);
    }

    [Fact]
    public async Task InfoListsEveryFormat()
    {
        var info = await _client.GetFromJsonAsync<JsonElement>("/v1/info");
        var formats = info.GetProperty("input_formats").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToList();
        foreach (var expected in new[] { "FIF", "EDF/BDF", "BrainVision", "EEGLAB", "CSV/TSV", "NumPy .npy" })
            Assert.Contains(expected, formats);
        Assert.Contains(formats, f => f!.StartsWith("safetensors", StringComparison.Ordinal));
    }
}
