using System.Net;
using System.Text.Json;

namespace Zuna.Api.Tests.Api;

/// <summary>POST /v1/repairs on the service running the ZUNA 1.0 fixture model: refused with 422 naming ZUNA1.1; its form documented.</summary>
public sealed class RepairEndpointTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private readonly HttpClient _client = shared.Client;

    private static MultipartFormDataContent Form(params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(File.ReadAllBytes(SharedData.Path("fixtures/zuna11/pipeline/fifA_raw.fif")));
        form.Add(file, "file", "fifA_raw.fif");
        foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
        return form;
    }

    [Fact]
    public async Task A_zuna10_model_answers_422_naming_the_model_to_use()
    {
        var response = await _client.PostAsync("/v1/repairs?format=fif", Form(("bad_segments", "10.0-10.7,2.2-2.3:C4"), ("steps", "2")));
        var problem = await ErrorResponseTests.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("repair needs a ZUNA1.1 model; set Zuna__Model__RepoId=Zyphra/ZUNA1.1", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Malformed_bad_segments_are_400()
    {
        var response = await _client.PostAsync("/v1/repairs", Form(("bad_segments", "9-8")));
        await ErrorResponseTests.ProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task OpenApi_lists_every_repair_field()
    {
        using var doc = JsonDocument.Parse(await _client.GetStringAsync("/openapi/v1.json"));
        Assert.True(doc.RootElement.GetProperty("paths").TryGetProperty("/v1/repairs", out _));
        string text = doc.RootElement.GetRawText();
        foreach (var field in new[] { "segment_sec", "highpass_hz", "repair_channels", "bad_segments", "bad_token_overlap", "use_fif_annotations", "target_channels", "steps", "cfg", "seed" })
            Assert.Contains($"\"{field}\"", text);
    }
}
