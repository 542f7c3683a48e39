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
    /// <summary>ZUNA 1.0 or 1.1, told apart by the checkpoint's tensor names.</summary>
    public ModelGeneration Generation => Config.Generation;
    /// <summary>Position bins and token order of this model's tokens (1.1: 100 bins, time-major).</summary>
    public TokenLayout Layout => TokenLayout.For(Generation);
    /// <summary>Longest epoch this model takes: max_seqlen patches of 32 samples (1.0: 1600, 1.1: 8192).</summary>
    public int MaxEpochSamples => Config.MaxSeqLen * Tokenizer.PatchSamples;
    public Device Device => Network.Device;
    public ScalarType Dtype => Network.ComputeDtype;
    /// <summary>Wall time of <see cref="Load(string, string, string, ModelIdentity?)"/> (checkpoint open, validation, copy).</summary>
    public TimeSpan LoadTime { get; private init; }
    /// <summary>Why the model runs in <see cref="Dtype"/>: requested, or chosen by <see cref="DtypeAuto"/> with the rates it saw.</summary>
    public DtypeChoice DtypeChoice { get; private init; } = DtypeChoice.Requested("float32");

    private ZunaEngine(ZunaNetwork network, IReadOnlyList<string> weightFiles, ModelIdentity identity)
    {
        Network = network;
        if (network.Config.MaxSeqLen < Layout.PositionBins)
            throw new ModelLoadException($"max_seqlen {network.Config.MaxSeqLen} is below the {Layout.PositionBins} position bins of {ModelGenerations.Name(Generation)}: the RoPE table cannot index every bin.");
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
    /// model.safetensors.index.json) of either generation: ZUNA 1.0 or ZUNA1.1 is told from the tensor names, and every
    /// expected key and shape of that generation is checked before anything is copied. <paramref name="device"/>:
    /// "cpu", "cuda", "cuda:N" or "auto"; <paramref name="dtype"/>: "float32" (what ZUNA1.1's sampler runs in),
    /// "bfloat16" (matmuls in bf16, norms/RoPE/softmax inputs/time embedding/Euler in float32; 1.0 ran under bf16 autocast),
    /// or "auto" (bfloat16 where a start-up probe finds it clearly faster on this device, else float32; see <see cref="DtypeAuto"/>).
    /// Without <paramref name="identity"/> the model is named after its folder, revision "local".
    /// </summary>
    public static ZunaEngine Load(string modelDirectory, string device = "cpu", string dtype = "float32", ModelIdentity? identity = null)
    {
        identity ??= new ModelIdentity(new DirectoryInfo(Path.GetFullPath(modelDirectory)).Name, "local");
        var clock = Stopwatch.StartNew();
        var targetDevice = ParseDevice(device);
        var choice = DtypeAuto.Resolve(dtype, targetDevice);
        var computeDtype = choice.Dtype == "bfloat16" ? ScalarType.BFloat16 : ScalarType.Float32;
        using var checkpoint = Checkpoint.Open(modelDirectory);
        var config = checkpoint.ResolvedConfig();
        var network = new ZunaNetwork(config, computeDtype, targetDevice);
        try
        {
            WeightLoader.Load(network, checkpoint);
            return new ZunaEngine(network, checkpoint.WeightFiles, identity) { LoadTime = clock.Elapsed, DtypeChoice = choice };
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    public ModelInfo Info => new(_modelId, _revision, _sha256.Value, Device.ToString(), Dtype == ScalarType.BFloat16 ? "bfloat16" : "float32",
        Config.Dim, Config.NLayers, Config.NLayers, _parameterCount, ModelGenerations.Name(Generation), MaxEpochSamples, DtypeChoice.Reason);

    /// <summary>tok_idx of a batch in this model's token order, [S, 4] row-major (x bin, y bin, z bin, coarse time), as in the Embed output.</summary>
    public long[] TokenIndex(EpochBatch batch)
    {
        Validate(batch);
        return Tokenizer.TokenIndex(batch.ChannelPositions, batch.ChannelCount, batch.EpochSamples, Layout);
    }

    /// <summary>
    /// The batch against this model's limits: epoch length up to <see cref="MaxEpochSamples"/>, and no sliding-window
    /// attention that would bind (the config's windows are honoured by refusing, not by approximating).
    /// </summary>
    private void Validate(EpochBatch batch)
    {
        Tokenizer.Validate(batch, Config.MaxSeqLen);
        long s = batch.TokenCount;
        // Document-local distances: encoder 2S − 1 (registers interleaved), decoder self and cross S − 1.
        foreach (var (name, window, span) in new[] { ("encoder_sliding_window", Config.EncoderSlidingWindow, 2 * s - 1), ("sliding_window", Config.SlidingWindow, s - 1), ("xattn_sliding_window", Config.XattnSlidingWindow, s - 1) })
            if (window is int w && span > w)
                throw new InvalidRecordingException($"{batch.ChannelCount} channels × {batch.EpochSamples} samples give {s} tokens, more than config.json's {name} {w} allows; sliding-window attention is not implemented (the released models use 65536).");
    }

    public float[] Embed(EpochBatch batch, CancellationToken cancellationToken = default) =>
        Embed(batch, new SamplerOptions().DataNorm, cancellationToken);

    /// <summary>Encoder latents [B, S, 32] with a non-default data_norm (the input is clamp(x / dataNorm, −1, 1)).</summary>
    public float[] Embed(EpochBatch batch, float dataNorm, CancellationToken cancellationToken = default)
    {
        Validate(batch);
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
        Validate(batch);
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
        return ToArray(Unpatch(z.Times(options.DataNorm), batch));
    }

    /// <summary>
    /// Scaled, clipped tokens [B, S, 32] in this model's token order on the device (masked tokens of
    /// <see cref="EpochBatch.TokenMask"/> set to 0), and tok_idx [S, 4] on the CPU.
    /// </summary>
    public (Tensor Tokens, Tensor TokIdx) Tokens(EpochBatch batch, float dataNorm)
    {
        using var scope = NewDisposeScope();
        int b = batch.BatchSize, c = batch.ChannelCount, tc = batch.EpochSamples / Tokenizer.PatchSamples;
        var scaled = Tokenizer.ScaleAndClip(batch.Signals, dataNorm);
        // [B, C·T] is already [B, C, tc, 32]; channel-major tokens are that memory as is, time-major ones swap C and tc.
        var tokens = tensor(scaled, [b, c, tc, Tokenizer.PatchSamples]);
        if (Layout.TimeMajor) tokens = tokens.transpose(1, 2);                                     // [B, tc, C, 32]
        tokens = tokens.reshape(b, batch.TokenCount, Tokenizer.PatchSamples);                    // [B, S, 32]
        if (batch.TokenMask is { } mask)
            tokens = tokens.masked_fill(tensor(mask, [b, batch.TokenCount, 1]), 0f);             // masked tokens are exactly 0
        var tokIdx = tensor(Tokenizer.TokenIndex(batch.ChannelPositions, c, batch.EpochSamples, Layout), [batch.TokenCount, 4]);
        return (tokens.to(Device).MoveToOuterDisposeScope(), tokIdx.MoveToOuterDisposeScope());
    }

    /// <summary>Tokens [B, S, 32] in this model's order back to signals [B, C, T] (the inverse of the patching in <see cref="Tokens"/>).</summary>
    public Tensor Unpatch(Tensor tokens, EpochBatch batch)
    {
        int b = batch.BatchSize, c = batch.ChannelCount, tc = batch.EpochSamples / Tokenizer.PatchSamples;
        if (!Layout.TimeMajor) return tokens.reshape(b, c, batch.EpochSamples);                  // [B, S, 32] is [B, C, T] in memory
        using var scope = NewDisposeScope();
        return tokens.reshape(b, tc, c, Tokenizer.PatchSamples).transpose(1, 2)                  // [B, tc, C, 32] -> [B, C, tc, 32]
            .reshape(b, c, batch.EpochSamples).MoveToOuterDisposeScope();
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
