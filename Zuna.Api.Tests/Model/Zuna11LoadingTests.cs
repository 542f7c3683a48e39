using System.Text.Json;
using System.Text.Json.Nodes;
using Zuna.Engine;
using Zuna.Engine.Hub;
using Zuna.Engine.Inference;
using Zuna.Engine.SafeTensors;
using Zuna.Engine.Weights;

namespace Zuna.Api.Tests.Model;

/// <summary>
/// Both generations through the one loader: ZUNA1.1 told from the tensor names, its full key set checked (639 tensors
/// at full size, 5 + 13·L + 10 + 26·L in general), the 1.1 config defaults, and loud failures for mixed or renamed keys.
/// </summary>
public sealed class Zuna11LoadingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("zuna11-load-").FullName;
    private static FixtureSet Set => FixtureSet.Get(FixtureSet.Zuna11);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>The fixture's 1.1 tensors (F32), optionally renamed or dropped, written as model.safetensors with the fixture config.</summary>
    private string WriteVariant(Func<string, string?> rename, Action<JsonObject>? editConfig = null)
    {
        using var file = SafeTensorsFile.Open(Path.Combine(Set.Directory, "model.safetensors"));
        var writer = new SafeTensorsWriter();
        foreach (var (name, entry) in file.Tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            if (rename(name) is { } newName) writer.Add(TensorToWrite.Of(newName, file.ReadFloat32(name), entry.Shape));
        writer.Write(Path.Combine(_dir, "model.safetensors"));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(Set.Directory, "config.json")))!.AsObject();
        editConfig?.Invoke(config["model"]!.AsObject());
        File.WriteAllText(Path.Combine(_dir, "config.json"), config.ToJsonString());
        return _dir;
    }

    [Fact]
    public void Fixture_model_loads_as_zuna11_with_93_tensors_and_reports_its_generation()
    {
        var engine = Set.Engine();
        Assert.Equal(ModelGeneration.Zuna11, engine.Generation);
        Assert.Equal("ZUNA1.1", engine.Info.Generation);
        Assert.Equal(TokenLayout.Zuna11, TokenLayout.For(engine.Info));
        Assert.Equal(93, CheckpointWriter.ExpectedTensors(engine.Config).Count);
        Assert.Equal(299_008 - 32, engine.Info.ParameterCount);   // cases.json n_parameters counts the t_embedder buffer
        Assert.Equal("ZUNA1.0", FixtureSet.Get("tiny").Engine().Info.Generation);
        Assert.Equal(ModelGeneration.Zuna10, FixtureSet.Get("tiny").Engine().Generation);
    }

    [Fact]
    public void Released_zuna11_has_639_tensors_and_382_1M_parameters_with_the_documented_shapes()
    {
        var config = ZunaConfig.Released(ModelGeneration.Zuna11);
        var tensors = CheckpointWriter.ExpectedTensors(config).ToDictionary(t => t.Key, t => t.Shape);
        Assert.Equal(639, tensors.Count);
        Assert.Equal(463, CheckpointWriter.ExpectedTensors(ZunaConfig.Released(ModelGeneration.Zuna10)).Count);
        long parameters = tensors.Where(t => t.Key != "decoder.t_embedder.weight").Sum(t => t.Value.Aggregate(1L, (a, b) => a * b));
        Assert.Equal(382_106_720, parameters);
        Assert.Equal(new long[] { 64 }, tensors["encoder.layers.0.attention.q_norm.norm.weight"]);
        Assert.Equal(new long[] { 64 }, tensors["decoder.layers.15.cross_attention.k_norm.norm.weight"]);
        Assert.Equal(new long[] { 1024 }, tensors["encoder.layers.3.attention_norm_post.norm.weight"]);
        Assert.Equal(new long[] { 1024 }, tensors["decoder.layers.7.cross_attention_norm_post.norm.weight"]);
        Assert.Equal(new long[] { 1024 }, tensors["encoder.norm.norm.weight"]);
        Assert.Equal(new long[] { 1024, 64 }, tensors["decoder.layers.0.cross_attention_y_norm.weight.weight"]);   // AdaRMSNorm keys unchanged
        Assert.DoesNotContain("encoder.norm.weight", tensors.Keys);
        Assert.Equal(256, config.MaxSeqLen);
    }

    [Fact]
    public void Absent_config_keys_take_the_zuna11_defaults()
    {
        var config = ZunaConfig.FromJson("""{"model": {"ape_dim": 0, "tok_idx_type": "{x,y,z,tc}", "input_dim": 32, "encoder_output_dim": 32}}""", generation: ModelGeneration.Zuna11);
        Assert.Equal((1024, 128, 128, 32, 1.0, 8), (config.MaxSeqLen, config.EncoderSlidingWindow, config.SlidingWindow, config.XattnSlidingWindow, config.StftGlobalSigma, config.Heads));
        Assert.True(config.QkNorm && config.SandwichNorm && config.WrappedNormKeys);
        // ape_dim absent means 1 in 1.1: APE modules the released model does not have, refused by name.
        var e = Assert.Throws<ModelLoadException>(() => ZunaConfig.FromJson("""{"model": {"input_dim": 32, "encoder_output_dim": 32}}""", generation: ModelGeneration.Zuna11));
        Assert.Contains("ape_dim 1", e.Message);
        var v10 = ZunaConfig.FromJson("{}");
        Assert.Equal((50, (int?)null, 0.1, false), (v10.MaxSeqLen, v10.SlidingWindow, v10.StftGlobalSigma, v10.QkNorm));
    }

    [Fact]
    public void Sliding_windows_that_would_bind_are_refused_at_model_time()
    {
        WriteVariant(n => n, c => { c.Remove("sliding_window"); c.Remove("encoder_sliding_window"); c.Remove("xattn_sliding_window"); });
        using var engine = ZunaEngine.Load(_dir);
        Assert.Equal(128, engine.Config.SlidingWindow);
        var e = Assert.Throws<InvalidRecordingException>(() => engine.Embed(Set.Batch("c12")));
        Assert.Contains("encoder_sliding_window 128", e.Message);
        // 2 channels × 64 samples = 4 tokens: no window binds, the model runs.
        var small = new EpochBatch(new float[2 * 64], 1, 2, 64, Set.F32("c2_32s.chan_pos"));
        Assert.Equal(4 * 32, engine.Embed(small).Length);
    }

    [Fact]
    public void A_missing_zuna11_key_is_named_with_the_generation()
    {
        WriteVariant(n => n == "model.decoder.layers.1.cross_attention.q_norm.norm.weight" ? null : n);
        var e = Assert.Throws<ModelLoadException>(() => ZunaEngine.Load(_dir));
        Assert.Contains("'decoder.layers.1.cross_attention.q_norm.norm.weight'", e.Message);
        Assert.Contains("ZUNA1.1", e.Message);
    }

    [Fact]
    public void Zuna11_norms_under_their_1_0_names_fail_loudly()
    {
        // "….norm.weight" → "….weight": the 1.0 spelling of every plain norm, with the QK/sandwich keys still there.
        WriteVariant(n => n.Replace("_norm.norm.weight", "_norm.weight", StringComparison.Ordinal).Replace("encoder.norm.norm.weight", "encoder.norm.weight", StringComparison.Ordinal));
        var e = Assert.Throws<ModelLoadException>(() => ZunaEngine.Load(_dir));
        Assert.Contains("ZUNA1.1", e.Message);
    }

    [Fact]
    public void Zuna11_stripped_of_its_new_tensors_and_renamed_is_a_1_0_key_set()
    {
        WriteVariant(n => n.Contains("q_norm", StringComparison.Ordinal) || n.Contains("k_norm", StringComparison.Ordinal) || n.Contains("_norm_post", StringComparison.Ordinal)
            ? null
            : n.Replace(".norm.norm.weight", ".norm.weight", StringComparison.Ordinal).Replace("_norm.norm.weight", "_norm.weight", StringComparison.Ordinal));
        // What is left is exactly a 1.0 key set: it loads as 1.0 (the 1.0 config defaults apply), so the generation
        // comes from the names, not from a flag.
        using var engine = ZunaEngine.Load(_dir);
        Assert.Equal(ModelGeneration.Zuna10, engine.Generation);
        Assert.Equal(5 + 9 * 2 + 10 + 19 * 2, CheckpointWriter.ExpectedTensors(engine.Config).Count);   // 1.0: 5 + 9·L + 10 + 19·L
    }

    [Fact]
    public void Random_zuna11_checkpoint_round_trips_through_the_loader()
    {
        var config = ZunaConfig.Released(ModelGeneration.Zuna11) with { Dim = 64, NLayers = 1, HeadDim = 16, NHeads = 2 };
        CheckpointWriter.WriteRandom(_dir, config, seed: 5, writeNHeads: true);
        using var engine = ZunaEngine.Load(_dir);
        Assert.Equal(ModelGeneration.Zuna11, engine.Generation);
        Assert.Equal(5 + 13 + 10 + 26, CheckpointWriter.ExpectedTensors(engine.Config).Count);
        Assert.Equal((256, 65536), (engine.Config.MaxSeqLen, engine.Config.SlidingWindow!.Value));
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "config.json"))).RootElement.GetProperty("model");
        Assert.False(json.TryGetProperty("dropout_type", out _));
        Assert.Equal(0, json.GetProperty("ape_dim").GetInt32());
    }

    [Fact]
    public async Task The_default_repo_id_resolves_from_the_huggingface_cache_as_zuna11()
    {
        // models--Zyphra--ZUNA1.1 with refs/main and a snapshot of the two files the repository ships.
        const string commit = "0123456789abcdef0123456789abcdef01234567";
        string snapshot = Path.Combine(_dir, "models--Zyphra--ZUNA1.1", "snapshots", commit);
        Directory.CreateDirectory(snapshot);
        Directory.CreateDirectory(Path.Combine(_dir, "models--Zyphra--ZUNA1.1", "refs"));
        File.WriteAllText(Path.Combine(_dir, "models--Zyphra--ZUNA1.1", "refs", "main"), commit);
        File.Copy(Path.Combine(Set.Directory, "config.json"), Path.Combine(snapshot, HubOptions.ConfigFileName));
        File.Copy(Path.Combine(Set.Directory, "model.safetensors"), Path.Combine(snapshot, HubOptions.DefaultWeightsFileName));

        var options = new HubOptions { CacheDirectory = _dir, Offline = true };
        Assert.Equal("Zyphra/ZUNA1.1", options.RepoId);
        var resolved = await ModelResolver.ResolveAsync(options);
        Assert.Equal((ModelSource.Cache, commit), (resolved.Source, resolved.Revision));
        using var engine = ZunaEngine.Load(resolved);
        Assert.Equal(("Zyphra/ZUNA1.1", "ZUNA1.1"), (engine.Info.ModelId, engine.Info.Generation));
        Compare.Close("latents via the cache", engine.Embed(Set.Batch("c12")), Set.F32("c12.latents"), 5e-5);
    }
}
