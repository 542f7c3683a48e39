using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Zuna.Api.Tests.Api;

/// <summary>Every error answer is RFC 9457 problem details with a traceId; one test per status the service promises.</summary>
public sealed class ErrorResponseTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private readonly HttpClient _client = shared.Client;

    internal static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Matches("^[0-9a-f]{32}$", problem.GetProperty("traceId").GetString());
        Assert.False(problem.TryGetProperty("trace_id", out _));
        return problem;
    }

    [Fact]
    public async Task Not_multipart_is_415()
    {
        var response = await _client.PostAsync("/v1/embeddings", new StringContent("{}", Encoding.UTF8, "application/json"));
        await ProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Missing_file_field_is_400()
    {
        var form = new MultipartFormDataContent { { new StringContent("2"), "steps" } };
        var problem = await ProblemAsync(await _client.PostAsync("/v1/reconstructions", form), HttpStatusCode.BadRequest);
        Assert.Contains("file", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Bytes_that_are_not_fif_are_422_with_the_readers_message()
    {
        var garbage = Encoding.ASCII.GetBytes("this is not an EEG recording, just some text pretending to be one");
        var problem = await ProblemAsync(await _client.PostAsync("/v1/embeddings", ZunaServer.Upload(garbage, "fake.fif")), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("fake.fif", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Truncated_fif_is_422()
    {
        var bytes = File.ReadAllBytes(ZunaServer.SamplePath)[..5000];
        await ProblemAsync(await _client.PostAsync("/v1/preprocess", ZunaServer.Upload(bytes)), HttpStatusCode.UnprocessableEntity);
    }

    [Theory]
    [InlineData("steps", "0", "steps")]
    [InlineData("steps", "100000", "steps")]
    [InlineData("cfg", "NaN", "cfg")]
    [InlineData("data_norm", "-1", "data_norm")]
    [InlineData("sampler", "rk4", "sampler")]
    [InlineData("steps", "abc", "steps")]
    [InlineData("target_channels", "NotAnElectrode", "NotAnElectrode")]
    public async Task Invalid_options_are_400(string field, string value, string mentioned)
    {
        var response = await _client.PostAsync("/v1/reconstructions", ZunaServer.SampleUpload((field, value)));
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(mentioned, problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Unknown_format_and_fif_for_embeddings_are_400()
    {
        await ProblemAsync(await _client.PostAsync("/v1/embeddings?format=xml", ZunaServer.SampleUpload()), HttpStatusCode.BadRequest);
        await ProblemAsync(await _client.PostAsync("/v1/embeddings?format=fif", ZunaServer.SampleUpload()), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Unknown_job_is_404()
    {
        await ProblemAsync(await _client.GetAsync($"/v1/jobs/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
        await ProblemAsync(await _client.GetAsync($"/v1/jobs/{Guid.NewGuid()}/result"), HttpStatusCode.NotFound);
        await ProblemAsync(await _client.DeleteAsync($"/v1/jobs/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
    }
}

/// <summary>Limits that need their own configuration: upload size (TestServer and Kestrel), model not loadable, deadline.</summary>
public sealed class LimitTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Upload_over_the_limit_is_413(bool kestrel)
    {
        await using var server = new ZunaServer(new() { ["Zuna:Limits:MaxUploadBytes"] = "65536" }, kestrel: kestrel);
        var client = await server.ReadyClientAsync();
        // Expect: 100-continue (as curl sends for large bodies): the refusal comes before the body is sent, so a
        // server closing the connection on an unread body cannot turn the 413 into a reset on the client side.
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/embeddings") { Content = ZunaServer.SampleUpload() }; // 187 kB
        request.Headers.ExpectContinue = true;
        var response = await client.SendAsync(request);
        var problem = await ErrorResponseTests.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("65536", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Missing_model_directory_stops_the_service_with_exit_code_1()
    {
        // Gated: the load fails only once the test watches for the stop (a stopped app disposes its services).
        await using var server = new ZunaServer(new() { ["Zuna:Model:Path"] = "/nonexistent/zuna-model" }, gated: true);
        var lifetime = server.Services.GetRequiredService<IHostApplicationLifetime>();
        try
        {
            var stopping = new TaskCompletionSource();
            lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
            server.Gate!.OpenLoad();
            await stopping.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(1, Environment.ExitCode);
        }
        finally
        {
            Environment.ExitCode = 0; // process-wide; the test host must not inherit it
        }
    }

    [Fact]
    public async Task Missing_model_directory_without_exit_leaves_the_service_live_but_not_ready()
    {
        await using var server = new ZunaServer(new()
        {
            ["Zuna:Model:Path"] = "/nonexistent/zuna-model",
            ["Zuna:Model:ExitOnLoadFailure"] = "false",
        });
        var client = server.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await client.GetFromJsonAsync<JsonElement>("/v1/info")).GetProperty("state").GetString() != "failed")
        {
            Assert.True(DateTime.UtcNow < deadline, "the load did not fail");
            await Task.Delay(50);
        }
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);
        var response = await client.PostAsync("/v1/embeddings", ZunaServer.SampleUpload());
        var problem = await ErrorResponseTests.ProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Contains("/nonexistent/zuna-model", problem.GetProperty("detail").GetString());
        Assert.True(response.Headers.Contains("Retry-After"));
        // Preprocessing needs no model, so it still works.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/preprocess", ZunaServer.SampleUpload())).StatusCode);
    }

    [Fact]
    public async Task Invalid_configuration_fails_at_start_up_naming_the_key()
    {
        await using var server = new ZunaServer(new() { ["Zuna:Model:Dtype"] = "float8" });
        var error = Assert.ThrowsAny<Exception>(() => server.Client());
        Assert.Contains("Zuna:Model:Dtype", error.ToString());
    }
}
