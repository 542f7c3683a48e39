using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Zuna.Api.Composition;

namespace Zuna.Api.Tests.Api;

/// <summary>Probes, /v1/info, OpenAPI + Swagger UI, /metrics, and the command-line switches.</summary>
public sealed class ServiceTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private readonly HttpClient _client = shared.Client;

    [Fact]
    public async Task Probes_answer_200_once_ready()
    {
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Info_reports_the_loaded_model_and_every_limit()
    {
        var info = await _client.GetFromJsonAsync<JsonElement>("/v1/info");
        var engine = EngineReference.Info();
        var model = info.GetProperty("model");
        Assert.Equal("ready", info.GetProperty("state").GetString());
        Assert.Equal(engine.WeightsSha256, model.GetProperty("weights_sha256").GetString());
        Assert.Matches("^[0-9a-f]{64}$", model.GetProperty("weights_sha256").GetString());
        Assert.Equal("float32", model.GetProperty("dtype").GetString());
        Assert.Equal("cpu", model.GetProperty("device").GetString());
        Assert.Equal(64, model.GetProperty("dim").GetInt32()); // fixtures/tiny/config.json
        Assert.Equal("0.1.0", info.GetProperty("version").GetString());
        var limits = info.GetProperty("limits");
        Assert.Equal(512L * 1024 * 1024, limits.GetProperty("max_upload_bytes").GetInt64());
        Assert.Equal(64, limits.GetProperty("queue_capacity").GetInt32());
        Assert.Equal(2, limits.GetProperty("max_batch_epochs").GetInt32());
        foreach (var key in new[] { "request_timeout_seconds", "shutdown_timeout_seconds", "max_batch_delay_ms", "max_steps",
                     "job_result_ttl_minutes", "job_max_result_bytes", "permits_per_minute" })
            Assert.True(limits.TryGetProperty(key, out _), key);
        Assert.False(info.GetProperty("auth_enabled").GetBoolean());
    }

    [Fact]
    public async Task OpenApi_document_describes_every_route_and_swagger_ui_serves_it()
    {
        var document = await _client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/v1/embeddings", "/v1/reconstructions", "/v1/preprocess", "/v1/jobs", "/v1/jobs/{id}",
                     "/v1/jobs/{id}/result", "/v1/jobs/{id}/events", "/v1/info" })
            Assert.True(paths.TryGetProperty(path, out _), path);
        var reconstruct = paths.GetProperty("/v1/reconstructions").GetProperty("post");
        Assert.Equal("CreateReconstructions", reconstruct.GetProperty("operationId").GetString());
        var form = reconstruct.GetProperty("requestBody").GetProperty("content").GetProperty("multipart/form-data").GetProperty("schema");
        string schema = form.ToString();
        foreach (var field in new[] { "file", "steps", "cfg", "seed", "bad_channels", "target_channels", "data_norm" })
            Assert.Contains($"\"{field}\"", schema);
        // The seed is random unless given: the document must not advertise a fixed default.
        Assert.DoesNotContain("42", FindProperty(form, "seed")!.Value.ToString());
        Assert.False(FindProperty(form, "seed")!.Value.TryGetProperty("default", out _));
        Assert.True(reconstruct.GetProperty("responses").TryGetProperty("429", out _));
        var job = document.GetProperty("components").GetProperty("schemas").GetProperty("JobSnapshot");
        Assert.Equal("running", job.GetProperty("examples")[0].GetProperty("status").GetString());

        var ui = await _client.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        Assert.Contains("swagger", await ui.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A property schema anywhere below <paramref name="schema"/> (the form may be split over allOf parts).</summary>
    private static JsonElement? FindProperty(JsonElement schema, string name)
    {
        if (schema.ValueKind == JsonValueKind.Object)
        {
            if (schema.TryGetProperty("properties", out var properties) && properties.TryGetProperty(name, out var found)) return found;
            foreach (var child in schema.EnumerateObject())
                if (FindProperty(child.Value, name) is { } nested) return nested;
        }
        else if (schema.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in schema.EnumerateArray())
                if (FindProperty(item, name) is { } nested) return nested;
        }
        return null;
    }

    [Fact]
    public async Task Metrics_show_the_zuna_instruments_after_requests()
    {
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("/v1/embeddings", ZunaServer.SampleUpload())).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PostAsync("/v1/reconstructions", ZunaServer.SampleUpload(("steps", "0")))).StatusCode);

        string metrics = "";
        var deadline = DateTime.UtcNow.AddSeconds(20); // the Prometheus exporter caches a scrape briefly
        string[] expected =
        [
            "zuna_phase_duration_seconds_bucket{", "phase=\"preprocess\"", "phase=\"encode\"", "le=\"0.005\"", "le=\"300\"",
            "zuna_request_duration_seconds_bucket{", "operation=\"embeddings\"", "outcome=\"success\"",
            "zuna_queue_depth", "zuna_requests_inflight", "zuna_requests_rejected_total{", "reason=\"invalid_option\"",
            "zuna_batch_epochs_bucket{",
        ];
        while (DateTime.UtcNow < deadline)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));
            metrics = await (await _client.SendAsync(request)).Content.ReadAsStringAsync();
            if (expected.All(metrics.Contains)) break;
            await Task.Delay(200);
        }
        foreach (var text in expected) Assert.Contains(text, metrics);
    }

    [Fact]
    public async Task Each_phase_is_a_span_in_the_requests_trace()
    {
        var spans = new System.Collections.Concurrent.ConcurrentBag<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == "Zuna",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) =>
                System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);

        var response = await _client.PostAsync("/v1/reconstructions", ZunaServer.SampleUpload(("steps", "2")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string traceId = response.Headers.GetValues("X-Trace-Id").Single();
        var names = spans.Where(s => s.TraceId.ToHexString() == traceId).Select(s => s.OperationName).ToHashSet();
        foreach (var phase in new[] { "parse", "preprocess", "queue", "reconstruct", "serialize" })
            Assert.Contains(phase, names);
    }

    [Fact]
    public void Command_line_switches_map_onto_the_configuration_keys()
    {
        var config = new ConfigurationBuilder()
            .AddCommandLine(["--model-dir", "/models/zuna", "--device", "cuda", "--dtype", "bfloat16"], ServiceComposition.SwitchMappings)
            .Build();
        Assert.Equal("/models/zuna", config["Zuna:Model:Path"]);
        Assert.Equal("cuda", config["Zuna:Model:Device"]);
        Assert.Equal("bfloat16", config["Zuna:Model:Dtype"]);
    }
}

/// <summary>Optional bearer API keys with a per-key rate limit.</summary>
public sealed class AuthTests
{
    [Fact]
    public async Task Api_keys_guard_v1_but_not_the_probes_and_each_key_has_its_own_rate_limit()
    {
        await using var server = new ZunaServer(new()
        {
            ["Zuna:Auth:ApiKeys:0"] = "first-secret",
            ["Zuna:Auth:ApiKeys:1"] = "second-secret",
            ["Zuna:Auth:PermitsPerMinute"] = "2",
        }, kestrel: true);
        var client = await server.ReadyClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);

        var anonymous = await client.GetAsync("/v1/info");
        await ErrorResponseTests.ProblemAsync(anonymous, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        await ErrorResponseTests.ProblemAsync(await Send(client, "wrong-secret"), HttpStatusCode.Unauthorized);

        Assert.Equal(HttpStatusCode.OK, (await Send(client, "first-secret")).StatusCode);
        var info = await (await Send(client, "first-secret")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(info.GetProperty("auth_enabled").GetBoolean());
        var limited = await Send(client, "first-secret");
        await ErrorResponseTests.ProblemAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.True(limited.Headers.Contains("Retry-After"));

        Assert.Equal(HttpStatusCode.OK, (await Send(client, "second-secret")).StatusCode); // its own partition

        // Both refusals are counted: the 401s and the rate limit's 429.
        string metrics = "";
        var deadline = DateTime.UtcNow.AddSeconds(20); // the Prometheus exporter caches a scrape briefly
        while (DateTime.UtcNow < deadline)
        {
            var scrape = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            scrape.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));
            metrics = await (await client.SendAsync(scrape)).Content.ReadAsStringAsync();
            if (metrics.Contains("reason=\"unauthorized\"") && metrics.Contains("reason=\"rate_limited\"")) break;
            await Task.Delay(200);
        }
        Assert.Matches("zuna_requests_rejected_total\\{[^}]*reason=\"unauthorized\"[^}]*\\} 2", metrics);
        Assert.Contains("reason=\"rate_limited\"", metrics);
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/info");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client.SendAsync(request);
    }
}

/// <summary>zuna.phase.duration gets each phase of a request once, whichever part of the service measured it.</summary>
public sealed class PhaseMetricTests
{
    [Fact]
    public async Task Each_phase_of_a_reconstruction_is_one_histogram_sample_and_one_server_timing_entry()
    {
        await using var server = new ZunaServer(); // MaxBatchEpochs 16: the sample's 3 epochs are one batch
        var client = await server.ReadyClientAsync();
        var instrument = server.Services.GetRequiredService<Zuna.Api.Telemetry.ZunaTelemetry>().PhaseDuration;
        var samples = new System.Collections.Concurrent.ConcurrentQueue<(string Phase, double Seconds)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (published, l) => { if (ReferenceEquals(published, instrument)) l.EnableMeasurementEvents(published); };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "phase") samples.Enqueue(((string)tag.Value!, value));
        });
        listener.Start();

        var response = await client.PostAsync("/v1/reconstructions", ZunaServer.SampleUpload(("steps", "2")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string[] phases = ["upload", "parse", "preprocess", "queue", "encode", "decode", "serialize"];
        var deadline = DateTime.UtcNow.AddSeconds(10); // serialize is recorded as the response is written
        while (!phases.All(p => samples.Any(s => s.Phase == p)) && DateTime.UtcNow < deadline) await Task.Delay(20);

        var recorded = samples.ToArray();
        foreach (var phase in phases)
            Assert.True(recorded.Count(s => s.Phase == phase) == 1, $"{phase}: {recorded.Count(s => s.Phase == phase)} samples");
        var timing = string.Join(",", response.Headers.GetValues("Server-Timing")).Split(',', StringSplitOptions.TrimEntries);
        foreach (var phase in new[] { "queue", "encode", "decode" })
        {
            string entry = Assert.Single(timing, e => e.StartsWith(phase + ";dur=", StringComparison.Ordinal));
            double ms = double.Parse(entry[(phase.Length + ";dur=".Length)..], System.Globalization.CultureInfo.InvariantCulture);
            // One batch: the request's share is the whole batch (the header rounds to 0.001 ms).
            Assert.Equal(recorded.Single(s => s.Phase == phase).Seconds * 1000, ms, 0.002);
        }
    }
}
