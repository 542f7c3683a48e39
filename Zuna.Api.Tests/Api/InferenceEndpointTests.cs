using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Zuna.Engine.Fif;
using Zuna.Engine.Outputs;

namespace Zuna.Api.Tests.Api;

/// <summary>One service for the result tests; MaxBatchEpochs 2 splits the sample's 3 epochs over two batches.</summary>
public sealed class SharedServer : IAsyncLifetime
{
    public ZunaServer Server { get; } = new(new() { ["Zuna:Batching:MaxBatchEpochs"] = "2" });
    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync() => Client = await Server.ReadyClientAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class InferenceEndpointTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private readonly HttpClient _client = shared.Client;

    [Fact]
    public async Task Embeddings_are_the_engines_latents_with_token_index_and_positions()
    {
        var response = await _client.PostAsync("/v1/embeddings", ZunaServer.SampleUpload());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType!.MediaType);

        using var tensors = EngineReference.Tensors(await response.Content.ReadAsByteArrayAsync());
        var expected = EngineReference.Sample();
        Assert.Equal([3L, 480, 32], tensors.Entry("latents").Shape);
        Assert.Equal([480L, 4], tensors.Entry("tok_idx").Shape);
        Assert.Equal([12L, 3], tensors.Entry("chan_pos").Shape);
        Assert.True(EngineReference.MaxAbsDiff(tensors.ReadFloat32("latents"), EngineReference.Embed(expected)) <= 1e-5);
        Assert.Equal(expected.ChannelPositions, tensors.ReadFloat32("chan_pos"));

        // docs/zuna-model.md §3.1 worked example: Fp1 → bins (18, 48, 30); F8 (last channel) → (39, 40, 30).
        var tokIdx = tensors.ReadInt64("tok_idx");
        Assert.Equal([18L, 48, 30, 0], tokIdx[..4]);
        Assert.Equal([39L, 40, 30, 39], tokIdx[^4..]);
        Assert.Equal(JsonSerializer.Serialize(expected.ChannelNames), tensors.Metadata["channel_names"]);
        Assert.Equal(EngineReference.Info().WeightsSha256, tensors.Metadata["model_sha256"]);

        string timing = string.Join(",", response.Headers.GetValues("Server-Timing"));
        // The body is streamed after the headers, so "serialize" is in the span and histogram, not in the header.
        foreach (var phase in new[] { "upload", "parse", "preprocess", "queue", "encode" })
            Assert.Contains(phase + ";dur=", timing);
    }

    [Fact]
    public async Task Embeddings_as_json_hold_the_same_numbers_by_query_or_accept_header()
    {
        var binary = await _client.PostAsync("/v1/embeddings", ZunaServer.SampleUpload());
        using var tensors = EngineReference.Tensors(await binary.Content.ReadAsByteArrayAsync());
        var latents = tensors.ReadFloat32("latents");

        var byQuery = await _client.PostAsync("/v1/embeddings?format=json", ZunaServer.SampleUpload());
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/embeddings") { Content = ZunaServer.SampleUpload() };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var byAccept = await _client.SendAsync(request);

        foreach (var response in new[] { byQuery, byAccept })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
            var root = json.RootElement;
            Assert.Equal(3, root.GetProperty("latents").GetArrayLength());
            Assert.Equal(480, root.GetProperty("latents")[0].GetArrayLength());
            Assert.Equal(latents[(2 * 480 + 5) * 32 + 7], root.GetProperty("latents")[2][5][7].GetSingle());
            Assert.Equal(12, root.GetProperty("channel_names").GetArrayLength());
            Assert.Equal(18, root.GetProperty("tok_idx")[0][0].GetInt32());
        }
    }

    [Fact]
    public async Task Reconstruction_equals_the_engine_for_the_same_seed_even_split_over_batches()
    {
        var response = await _client.PostAsync("/v1/reconstructions",
            ZunaServer.SampleUpload(("steps", "2"), ("seed", "7")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var tensors = EngineReference.Tensors(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal([3L, 12, 1280], tensors.Entry("reconstruction").Shape);
        Assert.Equal("7", tensors.Metadata["seed"]);
        Assert.Equal("2", tensors.Metadata["steps"]);

        var expected = EngineReference.Reconstruct(EngineReference.Sample(), seed: 7, steps: 2);
        Assert.True(EngineReference.MaxAbsDiff(tensors.ReadFloat32("reconstruction"), expected) <= 1e-4);

        var otherSeed = EngineReference.Reconstruct(EngineReference.Sample(), seed: 8, steps: 2);
        Assert.True(EngineReference.MaxAbsDiff(tensors.ReadFloat32("reconstruction"), otherSeed) > 1e-3);
        string timing = string.Join(",", response.Headers.GetValues("Server-Timing"));
        Assert.Contains("decode;dur=", timing);
    }

    [Fact]
    public async Task Reconstruction_as_fif_is_in_volts_with_the_channel_positions()
    {
        var response = await _client.PostAsync("/v1/reconstructions?format=fif", ZunaServer.SampleUpload(("steps", "2"), ("seed", "3")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-fif", response.Content.Headers.ContentType!.MediaType);
        var fif = FifReader.Read(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), "response.fif");

        var input = EngineReference.Sample();
        var z = EngineReference.Reconstruct(input, seed: 3, steps: 2);
        Assert.Equal(256.0, fif.SampleRate);
        Assert.Equal(3 * 1280, fif.SampleCount);
        Assert.Equal(input.ChannelNames, fif.Channels.Select(c => c.Name));
        Assert.Equal(input.ChannelPositions[3..6], fif.Channels[1].Location[..3]);
        double mean = input.GlobalMean!.Value, scale = input.GlobalStd!.Value;   // a FIF input has both
        for (int ch = 0; ch < 12; ch += 5)
            for (int e = 0; e < 3; e++)
                for (int i = 0; i < 1280; i += 97)
                {
                    double volts = z[(e * 12 + ch) * 1280 + i] * scale + mean;
                    Assert.True(Math.Abs(fif.Data[ch][e * 1280 + i] - volts) <= 1e-4 * scale, $"channel {ch} epoch {e} sample {i}");
                }
    }

    [Fact]
    public async Task The_format_may_also_come_as_a_form_field_as_on_jobs_and_the_query_wins()
    {
        var asField = await _client.PostAsync("/v1/reconstructions", ZunaServer.SampleUpload(("steps", "1"), ("seed", "3"), ("format", "fif")));
        Assert.Equal(HttpStatusCode.OK, asField.StatusCode);
        Assert.Equal("application/x-fif", asField.Content.Headers.ContentType!.MediaType);
        Assert.Equal(3 * 1280, FifReader.Read(new MemoryStream(await asField.Content.ReadAsByteArrayAsync()), "field.fif").SampleCount);

        var both = await _client.PostAsync("/v1/embeddings?format=json", ZunaServer.SampleUpload(("format", "safetensors")));
        Assert.Equal("application/json", both.Content.Headers.ContentType!.MediaType);
        await ErrorResponseTests.ProblemAsync(await _client.PostAsync("/v1/embeddings", ZunaServer.SampleUpload(("format", "fif"))),
            HttpStatusCode.BadRequest); // FIF is for signals: refused, not ignored
    }

    [Fact]
    public async Task Preprocess_returns_the_engines_epochs_and_its_output_is_accepted_as_input()
    {
        var response = await _client.PostAsync("/v1/preprocess", ZunaServer.SampleUpload());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        using var tensors = EngineReference.Tensors(body);
        var served = PreprocessedFile.Read(tensors);
        var expected = EngineReference.Sample();
        Assert.Equal(expected.Epochs, served.Epochs);
        Assert.Equal(expected.ChannelNames, served.ChannelNames);
        Assert.Equal(expected.GlobalStd, served.GlobalStd);

        var fromFif = await _client.PostAsync("/v1/reconstructions", ZunaServer.SampleUpload(("steps", "2"), ("seed", "11")));
        var fromPreprocessed = await _client.PostAsync("/v1/reconstructions",
            ZunaServer.Upload(body, "sample1.safetensors", ("steps", "2"), ("seed", "11")));
        Assert.Equal(HttpStatusCode.OK, fromPreprocessed.StatusCode);
        using var a = EngineReference.Tensors(await fromFif.Content.ReadAsByteArrayAsync());
        using var b = EngineReference.Tensors(await fromPreprocessed.Content.ReadAsByteArrayAsync());
        Assert.Equal(a.ReadFloat32("reconstruction"), b.ReadFloat32("reconstruction"));

        var json = await _client.PostAsync("/v1/preprocess?format=json", ZunaServer.SampleUpload());
        using var doc = JsonDocument.Parse(await json.Content.ReadAsStreamAsync());
        Assert.Equal(expected.Epochs[1280 * 12 + 1280 + 9], doc.RootElement.GetProperty("eeg")[1][1][9].GetSingle());
        Assert.Equal(3, doc.RootElement.GetProperty("n_epochs").GetInt32()); // the count (a JSON number); "eeg" is the data, named as in the safetensors layout
        Assert.Single(doc.RootElement.EnumerateObject(), p => p.Name == "eeg");
    }

    [Theory]
    [InlineData("embed", "/v1/embeddings")]
    [InlineData("reconstruct", "/v1/reconstructions")]
    public async Task Cli_file_and_http_response_carry_the_same_metadata(string verb, string endpoint)
    {
        string dir = Directory.CreateTempSubdirectory("zuna-metadata-").FullName;
        try
        {
            string output = Path.Combine(dir, "out.safetensors");
            var stderr = new StringWriter();
            int code = await Zuna.Api.Cli.CliApp.RunAsync([verb, ZunaServer.SamplePath, "--model-dir", ZunaServer.TinyModel,
                "--device", "cpu", "--out", output, .. verb == "reconstruct" ? new[] { "--steps", "2", "--seed", "9" } : []], new StringWriter(), stderr);
            Assert.True(code == 0, stderr.ToString());
            using var cli = Zuna.Engine.SafeTensors.SafeTensorsFile.Open(output);

            var response = await _client.PostAsync(endpoint, ZunaServer.SampleUpload(("steps", "2"), ("seed", "9")));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var http = EngineReference.Tensors(await response.Content.ReadAsByteArrayAsync());

            Assert.Equal(cli.Metadata.OrderBy(e => e.Key), http.Metadata.OrderBy(e => e.Key));
            var input = EngineReference.Sample();
            var model = EngineReference.Info();
            Assert.Equal("3", http.Metadata["n_epochs"]);
            Assert.Equal("256", http.Metadata["sfreq"]);
            Assert.Equal(input.SampleRateIn, double.Parse(http.Metadata["sfreq_in"], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(input.GlobalStd, double.Parse(http.Metadata["global_std"], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(model.ModelId, http.Metadata["model_id"]);
            Assert.Equal(model.Revision, http.Metadata["model_revision"]);
            Assert.Equal(model.WeightsSha256, http.Metadata["model_sha256"]);
            if (verb == "reconstruct")
                foreach (var (key, value) in new[] { ("seed", "9"), ("steps", "2"), ("cfg", "1"), ("data_norm", "10"), ("units", "z") })
                    Assert.Equal(value, http.Metadata[key]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Bad_and_target_channels_reach_the_model()
    {
        var response = await _client.PostAsync("/v1/embeddings", ZunaServer.SampleUpload(("bad_channels", "C3, O2")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var tensors = EngineReference.Tensors(await response.Content.ReadAsByteArrayAsync());
        Assert.True(EngineReference.MaxAbsDiff(tensors.ReadFloat32("latents"), EngineReference.Embed(EngineReference.Sample("C3", "O2"))) <= 1e-5);

        var added = await _client.PostAsync("/v1/reconstructions?format=json", ZunaServer.SampleUpload(("steps", "2"), ("target_channels", "Cz,Pz,Fp1")));
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        using var json = JsonDocument.Parse(await added.Content.ReadAsStreamAsync());
        var names = json.RootElement.GetProperty("channel_names").EnumerateArray().Select(n => n.GetString()!).ToArray();
        Assert.Equal(14, names.Length); // Fp1 is already there
        Assert.Equal(["Cz", "Pz"], names[^2..]);
        Assert.Equal(14, json.RootElement.GetProperty("reconstruction")[0].GetArrayLength());
    }
}
