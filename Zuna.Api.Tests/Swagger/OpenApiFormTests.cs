using System.Net.Http.Json;
using System.Text.Json;
using Zuna.Api.Tests.Api;

namespace Zuna.Api.Tests.Swagger;

/// <summary>What Swagger UI reads from the OpenAPI document: flat forms with typed fields, nothing pre-filled, choices listed, the auth scheme.</summary>
public sealed class OpenApiFormTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private static JsonElement Form(JsonElement document, string path) => document.GetProperty("paths").GetProperty(path).GetProperty("post")
        .GetProperty("requestBody").GetProperty("content").GetProperty("multipart/form-data").GetProperty("schema");

    [Fact]
    public async Task Upload_forms_are_flat_typed_and_prefill_nothing_but_the_required_operation()
    {
        var document = await shared.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var job = Form(document, "/v1/jobs");
        var fields = job.GetProperty("properties");
        Assert.Equal(["file", "parts", "bad_channels", "target_channels", "target_head_frame", "sfreq", "units", "steps", "sampler", "cfg", "seed", "data_norm",
                "segment_sec", "highpass_hz", "repair_channels", "bad_segments", "bad_token_overlap", "use_fif_annotations", "operation", "format"],
            fields.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["file", "operation"], job.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(("string", "binary"), (fields.GetProperty("file").GetProperty("type").GetString(), fields.GetProperty("file").GetProperty("format").GetString()));
        Assert.Equal("integer", fields.GetProperty("steps").GetProperty("type").GetString());
        Assert.Equal("number", fields.GetProperty("cfg").GetProperty("type").GetString());
        Assert.Equal("boolean", fields.GetProperty("target_head_frame").GetProperty("type").GetString());
        Assert.False(fields.GetProperty("target_head_frame").GetProperty("default").GetBoolean());
        // A repair uses the recording's BAD annotations unless told not to: Swagger UI must not send false by default.
        Assert.Equal("boolean", fields.GetProperty("use_fif_annotations").GetProperty("type").GetString());
        Assert.True(fields.GetProperty("use_fif_annotations").GetProperty("default").GetBoolean());
        Assert.Equal(["embeddings", "reconstructions", "preprocess", "repairs"], fields.GetProperty("operation").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["safetensors", "json", "fif"], fields.GetProperty("format").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        foreach (var field in fields.EnumerateObject())
        {
            Assert.False(string.IsNullOrWhiteSpace(field.Value.GetProperty("description").GetString()), field.Name);
            if (field.Name is "file" or "parts" or "target_head_frame" or "use_fif_annotations") continue;
            // Swagger UI pre-fills (and sends) the first example: "" for every optional field, a real value after it.
            var examples = field.Value.GetProperty("examples").EnumerateArray().Select(e => e.ToString()).ToList();
            Assert.True(field.Name == "operation" ? examples[0] == "embeddings" : examples is ["", _], $"{field.Name}: {string.Join("|", examples)}");
            Assert.Contains("Example:", field.Value.GetProperty("description").GetString());
        }

        var embeddings = document.GetProperty("paths").GetProperty("/v1/embeddings").GetProperty("post");
        Assert.False(Form(document, "/v1/embeddings").GetProperty("properties").TryGetProperty("steps", out _));
        var format = embeddings.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "format");
        Assert.Equal(["safetensors", "json"], format.GetProperty("schema").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        var reconstructions = document.GetProperty("paths").GetProperty("/v1/reconstructions").GetProperty("post");
        format = reconstructions.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "format");
        Assert.Contains("fif", format.GetProperty("schema").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.False(document.TryGetProperty("components", out var components) && components.TryGetProperty("securitySchemes", out _));
    }

    [Fact]
    public async Task With_api_keys_the_document_declares_the_bearer_scheme_on_v1_only()
    {
        await using var server = new ZunaServer(new() { ["Zuna:Auth:ApiKeys:0"] = "k1" });
        var document = await server.Client().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal(("http", "bearer"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("scheme").GetString()));
        var paths = document.GetProperty("paths");
        Assert.True(paths.GetProperty("/v1/embeddings").GetProperty("post").GetProperty("security")[0].TryGetProperty("ApiKey", out _));
        Assert.True(paths.GetProperty("/v1/jobs/{id}").GetProperty("get").GetProperty("security")[0].TryGetProperty("ApiKey", out _));
        Assert.False(document.TryGetProperty("security", out _)); // not document-wide: probes and /metrics stay open
    }
}
