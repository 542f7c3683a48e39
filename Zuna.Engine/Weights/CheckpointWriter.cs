using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Zuna.Engine.Model;
using static TorchSharp.torch;

namespace Zuna.Engine.Weights;

/// <summary>One tensor to write: name, safetensors dtype, shape, and a callback that fills its raw bytes.</summary>
public sealed record TensorToWrite(string Name, string Dtype, long[] Shape, Action<Span<byte>> Fill)
{
    public long ByteLength => Shape.Aggregate(1L, (a, b) => a * b) * SafeTensors.SafeTensorsFile.DtypeSize(Dtype);
}

/// <summary>
/// Streams safetensors files of any size tensor by tensor (the header is computed from the shapes first),
/// and writes random ZUNA checkpoints with the real key names and shapes for benchmarks and loader tests.
/// </summary>
public static class CheckpointWriter
{
    public static void Write(string path, IReadOnlyList<TensorToWrite> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new Dictionary<string, object>(StringComparer.Ordinal);
        if (metadata is not null) header["__metadata__"] = metadata;
        long offset = 0;
        foreach (var t in tensors)
        {
            header[t.Name] = new { dtype = t.Dtype, shape = t.Shape, data_offsets = new[] { offset, offset + t.ByteLength } };
            offset += t.ByteLength;
        }
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(header);
        int padding = (8 - json.Length % 8) % 8;   // keep tensor data 8-byte aligned
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(json.Length + padding));
        stream.Write(length);
        stream.Write(json);
        stream.Write(Encoding.ASCII.GetBytes(new string(' ', padding)));
        byte[] buffer = [];
        foreach (var t in tensors)
        {
            if (buffer.Length < t.ByteLength) buffer = new byte[t.ByteLength];
            var span = buffer.AsSpan(0, (int)t.ByteLength);
            span.Clear();
            t.Fill(span);
            stream.Write(span);
        }
    }

    /// <summary>Key → shape of every tensor the model expects for <paramref name="config"/> (built on the meta device: no memory).</summary>
    public static IReadOnlyList<(string Key, long[] Shape)> ExpectedTensors(ZunaConfig config)
    {
        using var network = new ZunaNetwork(config, ScalarType.Float32, META);
        return network.state_dict().Select(kv => (kv.Key, kv.Value.shape)).ToList();
    }

    /// <summary>
    /// Writes config.json and model-00001-of-00001.safetensors (F32, keys prefixed "model." like the HF file) with
    /// random values of a sensible scale: Linear weights ±√(3/fan_in) uniform, biases small, gains near 1.
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
        File.WriteAllText(Path.Combine(directory, "config.json"), JsonSerializer.Serialize(new { model }));

        var rng = new XorShift(seed);
        var tensors = ExpectedTensors(config).Select(e => new TensorToWrite("model." + e.Key, "F32", e.Shape, bytes =>
        {
            var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes);
            (float center, float halfWidth) = e.Key switch
            {
                _ when e.Key.EndsWith("_norm.weight.bias", StringComparison.Ordinal) || e.Key == "decoder.norm.weight.bias" => (1f, 0.1f),
                _ when e.Key.EndsWith("norm.weight", StringComparison.Ordinal) => (1f, 0.1f),
                _ when e.Key.EndsWith(".bias", StringComparison.Ordinal) => (0f, 0.1f),
                "decoder.t_embedder.weight" => (0f, 1.7f),
                "encoder.registers" => (0f, 0.5f),
                _ => (0f, MathF.Sqrt(3f / e.Shape[^1])),
            };
            for (int i = 0; i < values.Length; i++) values[i] = center + halfWidth * rng.NextSigned();
        })).ToList();
        string path = Path.Combine(directory, "model-00001-of-00001.safetensors");
        Write(path, tensors);
        return path;
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
