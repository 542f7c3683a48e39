using System.Runtime.InteropServices;
using System.Text.Json;
using Zuna.Engine.Model;
using Zuna.Engine.SafeTensors;
using static TorchSharp.torch;

namespace Zuna.Engine.Weights;

/// <summary>
/// Random ZUNA checkpoints with the real key names and shapes, for benchmarks and loader tests. The values are
/// generated while the file is written (<see cref="TensorToWrite.Generated"/>), so a multi-GB checkpoint never
/// exists in memory.
/// </summary>
public static class CheckpointWriter
{
    /// <summary>Key → shape of every tensor the model expects for <paramref name="config"/> (built on the meta device: no memory).</summary>
    public static IReadOnlyList<(string Key, long[] Shape)> ExpectedTensors(ZunaConfig config)
    {
        using var network = new ZunaNetwork(config, ScalarType.Float32, META);
        return network.state_dict().Select(kv => (kv.Key, kv.Value.shape)).ToList();
    }

    /// <summary>
    /// Writes config.json and model-00001-of-00001.safetensors (F32, keys prefixed "model." like the HF file) with
    /// random values of a sensible scale: Linear weights ±√(3/fan_in) uniform, biases small, gains near 1.
    /// The generation is <paramref name="config"/>'s (<see cref="ZunaConfig.Released"/> gives either release's shape);
    /// a ZUNA1.1 config.json gets the 1.1 keys, so it loads back with the same values.
    /// </summary>
    public static string WriteRandom(string directory, ZunaConfig config, ulong seed, bool writeNHeads = false)
    {
        Directory.CreateDirectory(directory);
        var model = new Dictionary<string, object?>
        {
            ["dim"] = config.Dim, ["n_layers"] = config.NLayers, ["head_dim"] = config.HeadDim,
            ["input_dim"] = config.InputDim, ["encoder_input_dim"] = config.EncoderInputDim, ["encoder_output_dim"] = config.EncoderOutputDim,
            ["encoder_latent_downsample_factor"] = 1, ["max_seqlen"] = config.MaxSeqLen, ["rope_dim"] = 4, ["rope_theta"] = config.RopeTheta,
            ["tok_idx_type"] = "{x,y,z,tc}", ["stft_global_sigma"] = config.StftGlobalSigma, ["adaptive_loss_weighting"] = true, ["dropout_type"] = "zeros",
        };
        if (writeNHeads) model["n_heads"] = config.Heads;
        if (config.Generation == ModelGeneration.Zuna11)
        {
            model.Remove("dropout_type");
            model.Remove("adaptive_loss_weighting");
            model["dropout_vec_type"] = config.DropoutVecType;
            model["ape_dim"] = config.ApeDim;
            model["register_tok_idx"] = "mean_all";
        }
        if (config.EncoderSlidingWindow is int encoderWindow) model["encoder_sliding_window"] = encoderWindow;
        if (config.SlidingWindow is int window) model["sliding_window"] = window;
        if (config.XattnSlidingWindow is int crossWindow) model["xattn_sliding_window"] = crossWindow;
        File.WriteAllText(Path.Combine(directory, "config.json"), JsonSerializer.Serialize(new { model }));

        var rng = new XorShift(seed);
        var writer = new SafeTensorsWriter();
        foreach (var e in ExpectedTensors(config))
            writer.Add(TensorToWrite.Generated("model." + e.Key, "F32", e.Shape, bytes => FillRandom(MemoryMarshal.Cast<byte, float>(bytes), e.Key, e.Shape, rng)));
        string path = Path.Combine(directory, "model-00001-of-00001.safetensors");
        writer.Write(path);
        return path;
    }

    /// <summary>One chunk of tensor <paramref name="key"/>; the generator carries on across chunks and tensors, so the file is a function of the seed alone.</summary>
    private static void FillRandom(Span<float> values, string key, long[] shape, XorShift rng)
    {
        (float center, float halfWidth) = key switch
        {
            _ when key.EndsWith("_norm.weight.bias", StringComparison.Ordinal) || key == "decoder.norm.weight.bias" => (1f, 0.1f),
            _ when key.EndsWith("norm.weight", StringComparison.Ordinal) => (1f, 0.1f),
            _ when key.EndsWith(".bias", StringComparison.Ordinal) => (0f, 0.1f),
            // A buffer fixed at initialisation and never trained: the released checkpoints hold N(0, init_base_std²) with
            // init_base_std = 0.02 (zuna-model.md), so the Fourier features barely turn over t ∈ [0, 1]. Drawn with that
            // spread (uniform of std 0.02) rather than the fixtures' N(0, 1), which makes t-conditioning oscillate.
            "decoder.t_embedder.weight" => (0f, 0.02f * MathF.Sqrt(3f)),
            "encoder.registers" => (0f, 0.5f),
            _ => (0f, MathF.Sqrt(3f / shape[^1])),
        };
        for (int i = 0; i < values.Length; i++) values[i] = center + halfWidth * rng.NextSigned();
    }

    /// <summary>Small, fast generator for filling gigabytes of benchmark weights.</summary>
    private sealed class XorShift(ulong seed)
    {
        private ulong _state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;

        /// <summary>Uniform in [−1, 1).</summary>
        public float NextSigned()
        {
            _state ^= _state << 13;
            _state ^= _state >> 7;
            _state ^= _state << 17;
            return (int)(_state >> 40) * (1f / (1 << 23)) - 1f;
        }
    }
}
