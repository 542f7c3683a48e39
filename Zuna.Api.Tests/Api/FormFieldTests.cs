using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Zuna.Api.Formatting;
using Zuna.Engine.SafeTensors;
using static Zuna.Api.Tests.Api.ErrorResponseTests;

namespace Zuna.Api.Tests.Api;

/// <summary>Form fields as browsers and curl send them: empty means "not given"; errors name the field as sent; results named and typed sensibly.</summary>
public sealed class FormFieldTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private readonly HttpClient _client = shared.Client;

    [Fact]
    public async Task Empty_fields_mean_not_given()
    {
        var fields = new[] { "bad_channels", "target_channels", "target_head_frame", "steps", "cfg", "seed", "data_norm" }
            .Select(f => (f, f == "seed" ? "5" : "")).ToArray();
        var response = await _client.PostAsync("/v1/reconstructions", ZunaServer.SampleUpload(fields));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var result = SafeTensorsFile.FromBytes(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(("50", "1", "10", "5"), (result.Metadata["steps"], result.Metadata["cfg"], result.Metadata["data_norm"], result.Metadata["seed"]));
        Assert.Equal(12, JsonSerializer.Deserialize<string[]>(result.Metadata["channel_names"])!.Length);
    }

    [Theory]
    [InlineData("steps", "abc", "steps must be an integer (got 'abc').")]
    [InlineData("cfg", "x1", "cfg must be a number (got 'x1').")]
    [InlineData("seed", "1.5", "seed must be an integer (got '1.5').")]
    [InlineData("target_head_frame", "yes please", "target_head_frame must be true or false (got 'yes please').")]
    public async Task Unparsable_fields_are_400_in_the_apis_words(string field, string value, string detail)
    {
        var problem = await ProblemAsync(await _client.PostAsync("/v1/reconstructions", ZunaServer.SampleUpload((field, value))), HttpStatusCode.BadRequest);
        Assert.Equal(detail, problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_file_under_another_name_is_a_missing_file_field()
    {
        var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(File.ReadAllBytes(ZunaServer.SamplePath));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(content, "upload", "x_raw.fif");
        var problem = await ProblemAsync(await _client.PostAsync("/v1/embeddings", form), HttpStatusCode.BadRequest);
        Assert.StartsWith("the form field 'file' is required", problem.GetProperty("detail").GetString());
        Assert.DoesNotContain("IFormFile", problem.ToString());
    }

    [Fact]
    public async Task Json_metadata_numbers_are_numbers_and_units_are_stated()
    {
        var response = await _client.PostAsync("/v1/preprocess?format=json", ZunaServer.SampleUpload());
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, json.GetProperty("n_epochs").GetInt32());
        Assert.Equal(256, json.GetProperty("sfreq").GetDouble());
        Assert.Equal(JsonValueKind.Number, json.GetProperty("global_std").ValueKind);
        Assert.Equal("z", json.GetProperty("units").GetString());
        // 3 × 12 × 1280 values: offered as a download, not rendered inline by a browser.
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("zuna__sample1.json", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
    }

    [Theory]
    [InlineData("x_raw.fif", OutputFormat.Fif, "x_recon_raw.fif")]
    [InlineData("x-raw.fif.gz", OutputFormat.Fif, "x_recon_raw.fif")]
    [InlineData("x_raw.fif", OutputFormat.Safetensors, "x.safetensors")]
    [InlineData("epochs.safetensors", OutputFormat.Safetensors, "epochs.safetensors")]
    [InlineData("raw.fif", OutputFormat.Json, "raw.json")]
    public void Download_names_have_no_doubled_suffix(string upload, OutputFormat format, string expected) =>
        Assert.Equal(expected, OutputFormats.DownloadName(upload, format));

    [Fact]
    public async Task A_jobs_result_format_is_the_one_chosen_at_submission()
    {
        var submitted = await _client.PostAsync("/v1/jobs", ZunaServer.SampleUpload(("operation", "preprocess"), ("format", "")));
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var result = new Uri(submitted.Headers.Location! + "/result", UriKind.Relative);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        HttpResponseMessage response;
        while ((response = await _client.GetAsync(result)).StatusCode == HttpStatusCode.Conflict && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(result + "?format=safetensors")).StatusCode);
        var problem = await ProblemAsync(await _client.GetAsync(result + "?format=json"), HttpStatusCode.BadRequest);
        Assert.Contains("chosen at submission", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Unauthorized_says_what_to_send()
    {
        await using var server = new ZunaServer(new() { ["Zuna:Auth:ApiKeys:0"] = "k1" });
        var client = server.Client();
        var missing = await ProblemAsync(await client.GetAsync("/v1/info"), HttpStatusCode.Unauthorized);
        Assert.Contains("Authorization: Bearer", missing.GetProperty("detail").GetString());
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "wrong");
        var wrong = await ProblemAsync(await client.GetAsync("/v1/info"), HttpStatusCode.Unauthorized);
        Assert.Contains("not one of the configured keys", wrong.GetProperty("detail").GetString());
    }
}
