using System.Diagnostics;
using System.Security.Cryptography;
using TorchSharp;
using Zuna.Engine.Hub;
using Zuna.Engine.Model;
using Zuna.Engine.Weights;
using static TorchSharp.torch;

namespace Zuna.Engine.Inference;

/// <summary>
/// A loaded ZUNA model: tokenizer, encoder, decoder and rectified-flow sampler behind <see cref="IZunaModel"/>.
/// Not thread-safe (TorchSharp scopes and inference mode are thread-local): one inference thread owns it.
/// </summary>
public sealed class ZunaEngine : IZunaModel
{
    private readonly AxialRope _rope;
    private readonly Lazy<string> _sha256;
    private readonly string _modelId, _revision;
    private readonly long _parameterCount;

    public ZunaNetwork Network { get; }
    public ZunaConfig Config => Network.Config;
    public Device Device => Network.Device;
    public ScalarType Dtype => Network.ComputeDtype;
    /// <summary>Wall time of <see cref="Load(string, string, string, ModelIdentity?)"/> (checkpoint open, validation, copy).</summary>
    public TimeSpan LoadTime { get; private init; }

    private ZunaEngine(ZunaNetwork network, IReadOnlyList<string> weightFiles, ModelIdentity identity)
    {
        Network = network;
        _rope = new AxialRope(network.Config.HeadDim, network.Config.MaxSeqLen, network.Config.RopeTheta);
        _parameterCount = network.parameters().Sum(p => p.numel());
        (_modelId, _revision) = (identity.ModelId, identity.Revision);
        _sha256 = new Lazy<string>(() => string.Join(",", weightFiles.Select(WeightsSha256)), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Loads a model the resolver found; its id and revision are the resolver's (hub repository and commit, or the local folder).</summary>
    public static ZunaEngine Load(ResolvedModel model, string device = "cpu", string dtype = "float32") =>
        Load(model.Directory, device, dtype, new ModelIdentity(model.RepoId, model.Revision));

    /// <summary>
    /// Loads a checkpoint directory (config.json + model-00001-of-00001.safetensors | model.safetensors |
    /// model.safetensors.index.json). <paramref name="device"/>: "cpu", "cuda", "cuda:N" or "auto";
    /// <paramref name="dtype"/>: "float32" or "bfloat16" (matmuls in bf16, norms/RoPE/softmax inputs/time embedding/Euler in float32).
    /// Without <paramref name="identity"/> the model is named after its folder, revision "local".
    /// </summary>
    public static ZunaEngine Load(string modelDirectory, string device = "cpu", string dtype = "float32", ModelIdentity? identity = null)
    {
        identity ??= new ModelIdentity(new DirectoryInfo(Path.GetFullPath(modelDirectory)).Name, "local");
        var clock = Stopwatch.StartNew();
        var targetDevice = ParseDevice(device);
        var computeDtype = ParseDtype(dtype);
        using var checkpoint = Checkpoint.Open(modelDirectory);
        var config = checkpoint.ResolvedConfig();
        var network = new ZunaNetwork(config, computeDtype, targetDevice);
        try
        {
            WeightLoader.Load(network, checkpoint);
            return new ZunaEngine(network, checkpoint.WeightFiles, identity) { LoadTime = clock.Elapsed };
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    public ModelInfo Info => new(_modelId, _revision, _sha256.Value, Device.ToString(), Dtype == ScalarType.BFloat16 ? "bfloat16" : "float32",
        Config.Dim, Config.NLayers, Config.NLayers, _parameterCount);

    /// <summary>tok_idx of a batch's token layout, [S, 4] row-major (x bin, y bin, z bin, coarse time), as in the Embed output.</summary>
    public long[] TokenIndex(EpochBatch batch)
    {
        Tokenizer.Validate(batch, Config.MaxSeqLen);
        return Tokenizer.TokenIndex(batch.ChannelPositions, batch.ChannelCount, batch.EpochSamples);
    }

    public float[] Embed(EpochBatch batch, CancellationToken cancellationToken = default) =>
        Embed(batch, new SamplerOptions().DataNorm, cancellationToken);

    /// <summary>Encoder latents [B, S, 32] with a non-default data_norm (the input is clamp(x / dataNorm, −1, 1)).</summary>
    public float[] Embed(EpochBatch batch, float dataNorm, CancellationToken cancellationToken = default)
    {
        Tokenizer.Validate(batch, Config.MaxSeqLen);
        ValidateOptions(new SamplerOptions { DataNorm = dataNorm });
        cancellationToken.ThrowIfCancellationRequested();
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        var (tokens, tokIdx) = Tokens(batch, dataNorm);
        var latents = Encode(tokens, tokIdx, cancellationToken);
        return ToArray(latents);
    }

    public float[] Reconstruct(
        EpochBatch batch,
        SamplerOptions options,
        IReadOnlyList<NoiseKey> noise,
        float[]? initialNoise = null,
        IProgress<SamplerProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        Tokenizer.Validate(batch, Config.MaxSeqLen);
        ValidateOptions(options);
        int s = batch.TokenCount, width = Config.InputDim;
        if (initialNoise is not null && initialNoise.Length != (long)batch.BatchSize * s * width)
            throw new InvalidOptionException($"initial noise holds {initialNoise.Length} values, expected {batch.BatchSize}×{s}×{width}.");
        if (initialNoise is null && noise.Count != batch.BatchSize)
            throw new InvalidOptionException($"{noise.Count} noise keys for a batch of {batch.BatchSize} epochs.");
        cancellationToken.ThrowIfCancellationRequested();

        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        var (tokens, tokIdx) = Tokens(batch, options.DataNorm);
        var latents = Encode(tokens, tokIdx, cancellationToken);
        var eps = initialNoise is not null
            ? tensor(initialNoise, [batch.BatchSize, s, width])
            : NoiseSource.Draw(noise, s, width);                                   // [B, S, 32] standard normal
        var z0 = eps.Times((float)Config.StftGlobalSigma).to(Device);
        using var rope = DecoderRope(tokIdx);
        var z = RectifiedFlowSampler.Sample(Network.decoder, latents, z0, rope, options, progress, cancellationToken);
        // [B, S, 32] is [B, C, T] in memory (channel-major patches), so un-patching is only a reinterpretation.
        return ToArray(z.Times(options.DataNorm));
    }

    /// <summary>Scaled, clipped tokens [B, S, 32] on the device, and tok_idx [S, 4] on the CPU.</summary>
    public (Tensor Tokens, Tensor TokIdx) Tokens(EpochBatch batch, float dataNorm)
    {
        var scaled = Tokenizer.ScaleAndClip(batch.Signals, dataNorm);
        var tokens = tensor(scaled, [batch.BatchSize, batch.TokenCount, Tokenizer.PatchSamples]).to(Device);   // [B, C·T] -> [B, S, 32]
        var tokIdx = tensor(Tokenizer.TokenIndex(batch.ChannelPositions, batch.ChannelCount, batch.EpochSamples), [batch.TokenCount, 4]);
        return (tokens, tokIdx);
    }

    /// <summary>Encoder latents [B, S, 32] float32 for tokens [B, S, 32] and tok_idx [S, 4].</summary>
    public Tensor Encode(Tensor tokens, Tensor tokIdx, CancellationToken cancellationToken = default)
    {
        using var scope = NewDisposeScope();
        using var rope = EncoderRope(tokIdx);
        return Network.encoder.Forward(tokens.to(Device), rope, cancellationToken).MoveToOuterDisposeScope();
    }

    /// <summary>RoPE angles of the decoder sequence [S].</summary>
    public RopeAngles DecoderRope(Tensor tokIdx)
    {
        using var scope = NewDisposeScope();
        var (cos, sin) = _rope.ForTokens(tokIdx);
        return new RopeAngles(cos, sin, Device);
    }

    /// <summary>RoPE angles of the encoder sequence [2S]: each register takes the index of the token after it.</summary>
    public RopeAngles EncoderRope(Tensor tokIdx)
    {
        using var scope = NewDisposeScope();
        var (cos, sin) = _rope.ForTokens(tokIdx.repeat_interleave(2, 0));   // [S, 4] -> [2S, 4]
        return new RopeAngles(cos, sin, Device);
    }

    private static float[] ToArray(Tensor t) => t.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();

    /// <summary>Throws an <see cref="InvalidOptionException"/> for settings the sampler cannot run with (callers may check before loading).</summary>
    public static void ValidateOptions(SamplerOptions options)
    {
        if (options.Steps < 1 || options.Steps > 1000) throw new InvalidOptionException($"steps must be 1..1000 (got {options.Steps}).");
        if (!float.IsFinite(options.Cfg)) throw new InvalidOptionException($"cfg must be a finite number (got {options.Cfg}).");
        if (!(options.DataNorm > 0) || !float.IsFinite(options.DataNorm)) throw new InvalidOptionException($"data_norm must be a positive number (got {options.DataNorm}).");
    }

    private static Device ParseDevice(string device)
    {
        string d = device.Trim().ToLowerInvariant();
        if (d == "auto") d = TorchRuntime.DefaultDevice();
        if (d == "cpu") return CPU;
        if (d.StartsWith("cuda", StringComparison.Ordinal))
        {
            if (!cuda.is_available()) throw new ModelLoadException($"device '{device}' requested but CUDA is not available.");
            return torch.device(d);
        }
        throw new InvalidOptionException($"unknown device '{device}' (use cpu, cuda, cuda:N or auto).");
    }

    private static ScalarType ParseDtype(string dtype) => dtype.Trim().ToLowerInvariant() switch
    {
        "float32" or "fp32" or "f32" => ScalarType.Float32,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        _ => throw new InvalidOptionException($"unknown dtype '{dtype}' (use float32 or bfloat16)."),
    };

    /// <summary>
    /// sha256 of a weights file without reading it when possible: a "&lt;file&gt;.sha256" sidecar, or a Hugging Face
    /// cache blob (the snapshot entry links to blobs/&lt;sha256&gt;); otherwise the file is hashed (once, on first use).
    /// </summary>
    private static string WeightsSha256(string path)
    {
        string sidecar = path + ".sha256";
        if (File.Exists(sidecar))
        {
            string text = File.ReadAllText(sidecar).Trim().Split(' ', 2)[0];
            if (IsSha256(text)) return text.ToLowerInvariant();
        }
        var info = new FileInfo(path);
        if (info.LinkTarget is string target && IsSha256(Path.GetFileName(target))) return Path.GetFileName(target).ToLowerInvariant();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static bool IsSha256(string s) => s.Length == 64 && s.All(Uri.IsHexDigit);

    public void Dispose()
    {
        Network.Dispose();
        _rope.Cos.Dispose();
        _rope.Sin.Dispose();
    }
}
