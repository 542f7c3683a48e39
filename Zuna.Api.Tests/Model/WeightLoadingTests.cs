using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using Zuna.Engine;
using Zuna.Engine.Inference;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Model;

/// <summary>Checkpoint layouts (HF file name, shards, BF16/F16, config without n_heads) and load errors, built from the tiny fixture model.</summary>
public sealed class WeightLoadingTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "zuna-model-tests-" + Guid.NewGuid().ToString("N"));
    private readonly FixtureSet _tiny = FixtureSet.Get("tiny");

    public WeightLoadingTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>The tiny model's tensors, re-encoded as <paramref name="dtype"/>, optionally renamed/reshaped/dropped.</summary>
    private List<TensorToWrite> TinyTensors(string dtype, Func<string, string?>? rename = null, Func<string, long[], long[]>? reshape = null)
    {
        using var file = SafeTensorsFile.Open(Path.Combine(_tiny.Directory, "model.safetensors"));
        var result = new List<TensorToWrite>();
        foreach (var (name, entry) in file.Tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            string? newName = rename is null ? name : rename(name);
            if (newName is null) continue;
            float[] values = file.ReadFloat32(name);
            long[] shape = reshape?.Invoke(name, entry.Shape) ?? entry.Shape;
            if (shape.Aggregate(1L, (a, b) => a * b) != values.Length) values = new float[shape.Aggregate(1L, (a, b) => a * b)];
            if (dtype == "F32")
            {
                result.Add(TensorToWrite.Of(newName, values, shape));
                continue;
            }
            var bytes = new byte[values.Length * 2];
            if (dtype == "F16")
            {
                var h = MemoryMarshal.Cast<byte, Half>(bytes.AsSpan());
                for (int i = 0; i < values.Length; i++) h[i] = (Half)values[i];
            }
            else   // BF16 by truncation: exact for the test's purpose (a valid bf16 value per element)
            {
                var b = MemoryMarshal.Cast<byte, ushort>(bytes.AsSpan());
                for (int i = 0; i < values.Length; i++) b[i] = (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16);
            }
            result.Add(TensorToWrite.OfBytes(newName, dtype, bytes, shape));
        }
        return result;
    }

    private static void WriteCheckpoint(string path, IEnumerable<TensorToWrite> tensors)
    {
        var writer = new SafeTensorsWriter();
        foreach (var tensor in tensors) writer.Add(tensor);
        writer.Write(path);
    }

    /// <summary>config.json of the tiny set without n_heads, as the released file is.</summary>
    private void WriteConfigWithoutHeads(string dir)
    {
        var json = JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, JsonElement>>>(File.ReadAllText(Path.Combine(_tiny.Directory, "config.json")))!;
        json["model"].Remove("n_heads");
        File.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(json));
    }

    [Fact]
    public void Hf_file_name_without_n_heads_loads_bit_identically_to_the_fixture()
    {
        WriteConfigWithoutHeads(_dir);
        WriteCheckpoint(Path.Combine(_dir, "model-00001-of-00001.safetensors"), TinyTensors("F32"));
        using var engine = ZunaEngine.Load(_dir);
        Assert.Equal(2, engine.Config.Heads);   // derived from wq rows / head_dim
        var batch = _tiny.Batch("c3");
        float[] expected;
        var fixtureEngine = _tiny.Engine();
        lock (fixtureEngine) expected = fixtureEngine.Embed(batch);
        Assert.Equal(expected, engine.Embed(batch));

        var info = engine.Info;
        // cases.json "derived.n_parameters" (298,176) counts the 32-value t_embedder buffer too; Info counts parameters only.
        Assert.Equal(298176 - 32, info.ParameterCount);
        Assert.Equal((64, 2, 2, "float32", "cpu"), (info.Dim, info.EncoderLayers, info.DecoderLayers, info.Dtype, info.Device));
        using var stream = File.OpenRead(Path.Combine(_dir, "model-00001-of-00001.safetensors"));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(stream)), info.WeightsSha256);
    }

    [Theory, InlineData("BF16"), InlineData("F16")]
    public void Sharded_half_precision_checkpoint_loads_into_float32(string dtype)
    {
        WriteConfigWithoutHeads(_dir);
        var tensors = TinyTensors(dtype);
        var shards = new[] { tensors.Where(t => t.Name.StartsWith("model.encoder.", StringComparison.Ordinal)).ToList(), tensors.Where(t => !t.Name.StartsWith("model.encoder.", StringComparison.Ordinal)).ToList() };
        var weightMap = new Dictionary<string, string>();
        for (int i = 0; i < shards.Length; i++)
        {
            string name = $"model-{i + 1:00000}-of-00002.safetensors";
            WriteCheckpoint(Path.Combine(_dir, name), shards[i]);
            foreach (var t in shards[i]) weightMap[t.Name] = name;
        }
        File.WriteAllText(Path.Combine(_dir, "model.safetensors.index.json"), JsonSerializer.Serialize(new { metadata = new { }, weight_map = weightMap }));

        using var engine = ZunaEngine.Load(_dir);
        float[] latents = engine.Embed(_tiny.Batch("c12"));
        float[] golden = _tiny.F32("c12.latents");
        // Half-precision weights (bf16: 8-bit mantissa) move the latents by a few percent of their range at most.
        Assert.True(Compare.MaxAbsDiff(latents, golden) <= 0.05 * Compare.MaxAbs(golden), $"{dtype}: {Compare.MaxAbsDiff(latents, golden)}");
        Assert.True(Compare.MaxAbsDiff(latents, golden) > 0);   // it really used the rounded weights
    }

    [Fact]
    public void Missing_key_is_named()
    {
        File.Copy(Path.Combine(_tiny.Directory, "config.json"), Path.Combine(_dir, "config.json"));
        WriteCheckpoint(Path.Combine(_dir, "model.safetensors"), TinyTensors("F32", n => n == "model.decoder.t_embedder.weight" ? null : n));
        var e = Assert.Throws<ModelLoadException>(() => ZunaEngine.Load(_dir));
        Assert.Contains("'decoder.t_embedder.weight'", e.Message);
    }

    [Fact]
    public void Wrong_shape_is_named_before_any_copy()
    {
        File.Copy(Path.Combine(_tiny.Directory, "config.json"), Path.Combine(_dir, "config.json"));
        WriteCheckpoint(Path.Combine(_dir, "model.safetensors"),
            TinyTensors("F32", reshape: (n, s) => n == "model.decoder.layers.1.feed_forward.w2.weight" ? [s[0], s[1] - 1] : s));
        var e = Assert.Throws<ModelLoadException>(() => ZunaEngine.Load(_dir));
        Assert.Contains("'decoder.layers.1.feed_forward.w2.weight'", e.Message);
        Assert.Contains("[64, 255]", e.Message);
    }

    [Fact]
    public void Unexpected_key_and_missing_directory_are_reported()
    {
        File.Copy(Path.Combine(_tiny.Directory, "config.json"), Path.Combine(_dir, "config.json"));
        var tensors = TinyTensors("F32");
        tensors.Add(TensorToWrite.Of("model.encoder.layers.0.attention.q_norm.weight", new float[16], 16));
        WriteCheckpoint(Path.Combine(_dir, "model.safetensors"), tensors);
        var e = Assert.Throws<ModelLoadException>(() => ZunaEngine.Load(_dir));
        Assert.Contains("'encoder.layers.0.attention.q_norm.weight'", e.Message);
        Assert.Throws<ModelLoadException>(() => ZunaEngine.Load(Path.Combine(_dir, "nope")));
    }

    [Fact]
    public async Task Hugging_face_cache_layout_gives_model_id_revision_and_sha_from_the_blob_name()
    {
        // models--Org--Name/blobs/<sha256> with snapshots/<revision>/<file> symlinks, as huggingface_hub stores it.
        string repo = Path.Combine(_dir, "models--Zyphra--ZUNA");
        string blobs = Path.Combine(repo, "blobs"), snapshot = Path.Combine(repo, "snapshots", "0123abcd");
        Directory.CreateDirectory(blobs);
        Directory.CreateDirectory(snapshot);
        string weights = Path.Combine(_tiny.Directory, "model.safetensors");
        string sha;
        using (var stream = File.OpenRead(weights)) sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        File.Copy(weights, Path.Combine(blobs, sha));
        File.Copy(Path.Combine(_tiny.Directory, "config.json"), Path.Combine(blobs, "config-blob"));
        File.CreateSymbolicLink(Path.Combine(snapshot, "model-00001-of-00001.safetensors"), Path.Combine("..", "..", "blobs", sha));
        File.CreateSymbolicLink(Path.Combine(snapshot, "config.json"), Path.Combine("..", "..", "blobs", "config-blob"));

        // Named as the resolver names it: an explicit folder that is a cache snapshot is that repository at that commit.
        var resolved = await Zuna.Engine.Hub.ModelResolver.ResolveAsync(Zuna.Engine.Hub.HubOptions.FromEnvironment() with { ModelDirectory = snapshot });
        using var engine = ZunaEngine.Load(resolved);
        Assert.Equal(("Zyphra/ZUNA", "0123abcd", sha), (engine.Info.ModelId, engine.Info.Revision, engine.Info.WeightsSha256));
        var batch = _tiny.Batch("c3");
        Compare.Close("latents via symlinked HF cache", engine.Embed(batch), _tiny.F32("c3.latents"), 2e-5);
    }
}
