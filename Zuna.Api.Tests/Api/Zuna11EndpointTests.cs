using System.Net;
using System.Text.Json;
using Zuna.Api.Tests.Model;
using Zuna.Engine.Inference;

namespace Zuna.Api.Tests.Api;

/// <summary>A service serving the ZUNA1.1 fixture model (Zuna:Model:Path = fixtures/zuna11).</summary>
public sealed class Zuna11Server : IAsyncLifetime
{
    public ZunaServer Server { get; } = new(new() { ["Zuna:Model:Path"] = SharedData.Path("fixtures/zuna11") });
    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync() => Client = await Server.ReadyClientAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// /v1/info, /v1/embeddings and /v1/reconstructions with a ZUNA1.1 model on the tutorial FIF (5-s epochs): shapes,
/// time-major latents and tok_idx, values equal to the engine called directly and, for epoch 1, to the original
/// 1.1 code's outputs (fixtures/zuna11 case c12 is that epoch).
/// </summary>
public sealed class Zuna11EndpointTests(Zuna11Server shared) : IClassFixture<Zuna11Server>
{
    private readonly HttpClient _client = shared.Client;
    private const int Tokens = 480, Channels = 12, Samples = 1280;

    private static FixtureSet Set => FixtureSet.Get(FixtureSet.Zuna11);

    [Fact]
    public async Task Info_names_the_generation()
    {
        using var json = JsonDocument.Parse(await _client.GetStringAsync("/v1/info"));
        var model = json.RootElement.GetProperty("model");
        Assert.Equal("ZUNA1.1", model.GetProperty("generation").GetString());
        Assert.Equal(8192, model.GetProperty("max_epoch_samples").GetInt32());
    }

    [Fact]
    public async Task Embeddings_are_time_major_and_equal_the_engine_and_the_original()
    {
        var response = await _client.PostAsync("/v1/embeddings", ZunaServer.SampleUpload());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var tensors = EngineReference.Tensors(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal([3L, Tokens, 32], tensors.Entry("latents").Shape);
        Assert.Equal([(long)Tokens, 4], tensors.Entry("tok_idx").Shape);
        Assert.Equal(Set.I64("c12.tok_idx"), tensors.ReadInt64("tok_idx"));
        Assert.Equal(("ZUNA1.1", "time-major"), (tensors.Metadata["model_generation"], tensors.Metadata["token_order"]));

        var input = EngineReference.Sample();
        var engine = Set.Engine();
        float[] direct;
        lock (engine) direct = engine.Embed(EngineReference.Batch(input));
        var latents = tensors.ReadFloat32("latents");
        Assert.True(EngineReference.MaxAbsDiff(latents, direct) <= 1e-5);
        double golden = Compare.MaxAbsDiff(latents.AsSpan(Tokens * 32, Tokens * 32), Set.F32("c12.latents"));
        Assert.True(golden <= 5e-5, $"epoch 1 vs the original 1.1 latents: {golden:E2}");
    }

    [Fact]
    public async Task Reconstructions_are_channel_by_time_and_equal_the_engine_for_the_same_seed()
    {
        var response = await _client.PostAsync("/v1/reconstructions", ZunaServer.SampleUpload(("steps", "2"), ("seed", "11"), ("cfg", "2")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var tensors = EngineReference.Tensors(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal([3L, Channels, Samples], tensors.Entry("reconstruction").Shape);

        var input = EngineReference.Sample();
        var noise = Enumerable.Range(0, input.EpochCount).Select(e => new NoiseKey(11, e)).ToArray();
        var engine = Set.Engine();
        float[] direct;
        lock (engine) direct = engine.Reconstruct(EngineReference.Batch(input), new SamplerOptions { Steps = 2, Cfg = 2f }, noise);
        Assert.True(EngineReference.MaxAbsDiff(tensors.ReadFloat32("reconstruction"), direct) <= 1e-4);
    }
}
