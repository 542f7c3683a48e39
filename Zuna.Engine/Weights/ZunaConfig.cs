using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Zuna.Engine.Weights;

/// <summary>
/// The "model" object of ZUNA's config.json (docs/zuna-model.md §1.2, docs/zuna11.md §2.3). Property names are the
/// JSON keys; every default is the value the original code runs with when the key is absent (dataclass defaults of
/// DecoderTransformerArgs / DecoderArgs / BaseTransformerArgs). The property initialisers are the ZUNA 1.0 defaults;
/// ZUNA1.1 changed some of them (<see cref="Zuna11Defaults"/>), applied by <see cref="FromJson"/> for a 1.1 checkpoint.
/// </summary>
public sealed record ZunaConfig
{
    /// <summary>Residual-stream width.</summary>
    [JsonPropertyName("dim")] public int Dim { get; init; } = 1024;
    /// <summary>Blocks in the encoder and, separately, in the decoder.</summary>
    [JsonPropertyName("n_layers")] public int NLayers { get; init; } = 16;
    [JsonPropertyName("head_dim")] public int HeadDim { get; init; } = 64;
    /// <summary>Absent from the released JSON: derived from the wq rows (8 × 64 = 512 ≠ dim).</summary>
    [JsonPropertyName("n_heads")] public int? NHeads { get; init; }
    [JsonPropertyName("n_kv_heads")] public int? NKvHeads { get; init; }
    /// <summary>Samples per token (num_fine_time_pts).</summary>
    [JsonPropertyName("input_dim")] public int InputDim { get; init; } = 32;
    [JsonPropertyName("encoder_input_dim")] public int EncoderInputDim { get; init; } = 32;
    /// <summary>Latent width per token.</summary>
    [JsonPropertyName("encoder_output_dim")] public int EncoderOutputDim { get; init; } = 32;
    /// <summary>Only 1 (one register per token) is supported.</summary>
    [JsonPropertyName("encoder_latent_downsample_factor")] public int EncoderLatentDownsampleFactor { get; init; } = 1;
    /// <summary>FFN hidden = multiple_of-rounded 2/3 · 4 · dim (2816 for dim 1024).</summary>
    [JsonPropertyName("multiple_of")] public int MultipleOf { get; init; } = 256;
    [JsonPropertyName("ffn_dim_multiplier")] public double? FfnDimMultiplier { get; init; }
    [JsonPropertyName("norm_eps")] public double NormEps { get; init; } = 1e-5;
    /// <summary>Width of the Fourier time embedding that drives every AdaRMSNorm.</summary>
    [JsonPropertyName("t_dim")] public int TDim { get; init; } = 64;
    /// <summary>4 = axial RoPE over (x bin, y bin, z bin, coarse time).</summary>
    [JsonPropertyName("rope_dim")] public int RopeDim { get; init; } = 4;
    [JsonPropertyName("rope_theta")] public double RopeTheta { get; init; } = 10000.0;
    /// <summary>RoPE table length shared by all axes; every bin and coarse-time index must be below it.</summary>
    [JsonPropertyName("max_seqlen")] public int MaxSeqLen { get; init; } = 50;
    /// <summary>Std of the initial diffusion noise.</summary>
    [JsonPropertyName("stft_global_sigma")] public double StftGlobalSigma { get; init; } = 0.1;
    /// <summary>false: the cross-attention key norm is an AdaRMSNorm (true is not supported).</summary>
    [JsonPropertyName("seqlen_t")] public bool SeqlenT { get; init; }
    [JsonPropertyName("tok_idx_type")] public string TokIdxType { get; init; } = "{x,y,z,tc}";
    [JsonPropertyName("dropout_type")] public string DropoutType { get; init; } = "zeros";
    /// <summary>ZUNA1.1's name for the mask-vector type; only "learnable" would add a tensor (not supported).</summary>
    [JsonPropertyName("dropout_vec_type")] public string DropoutVecType { get; init; } = "zeros";
    /// <summary>Absolute position embeddings; only 0 (none, as released) is supported.</summary>
    [JsonPropertyName("ape_dim")] public int ApeDim { get; init; }
    /// <summary>
    /// Sliding-window widths of encoder self-, decoder self- and cross-attention (|q − kv| ≤ W on document-local
    /// positions). null = never binds (ZUNA 1.0 runs with 65536). Windows that would bind are refused at model time.
    /// </summary>
    [JsonPropertyName("encoder_sliding_window")] public int? EncoderSlidingWindow { get; init; }
    [JsonPropertyName("sliding_window")] public int? SlidingWindow { get; init; }
    [JsonPropertyName("xattn_sliding_window")] public int? XattnSlidingWindow { get; init; }

    /// <summary>Set by the loader from the tensor names, never read from the JSON.</summary>
    [JsonIgnore] public ModelGeneration Generation { get; init; } = ModelGeneration.Zuna10;
    /// <summary>ZUNA1.1: per-head RMSNorm of q and k (gains q_norm/k_norm) after the projections, before RoPE.</summary>
    public bool QkNorm => Generation == ModelGeneration.Zuna11;
    /// <summary>ZUNA1.1: every sub-layer output goes through an RMSNorm (…_norm_post) before the residual add.</summary>
    public bool SandwichNorm => Generation == ModelGeneration.Zuna11;
    /// <summary>ZUNA1.1: plain RMSNorm gains are stored as <c>….norm.weight</c> (torch.nn.RMSNorm in a child "norm").</summary>
    public bool WrappedNormKeys => Generation == ModelGeneration.Zuna11;

    /// <summary>
    /// The ZUNA1.1 dataclass defaults that differ from 1.0 (docs/zuna11.md §2.3). The released file sets most of these;
    /// an absent one takes this value, as in the original, and fails loudly where it changes shapes or features.
    /// </summary>
    public static IReadOnlyDictionary<string, JsonNode> Zuna11Defaults { get; } = new Dictionary<string, JsonNode>
    {
        ["max_seqlen"] = 1024,
        ["encoder_sliding_window"] = 128,
        ["sliding_window"] = 128,
        ["xattn_sliding_window"] = 32,
        ["ape_dim"] = 1,
        ["tok_idx_type"] = "{x,y,z,tc,ch}",
        ["stft_global_sigma"] = 1.0,
        ["input_dim"] = 64,
        ["encoder_output_dim"] = 128,
        ["dropout_vec_type"] = "zero",
    };

    /// <summary>
    /// The model object the released checkpoint of <paramref name="generation"/> runs with (docs/zuna-model.md §1.2,
    /// docs/zuna11.md §2.3), n_heads 8 as the loader derives it. For benchmarks and shape tests.
    /// </summary>
    public static ZunaConfig Released(ModelGeneration generation) => generation == ModelGeneration.Zuna11
        ? new ZunaConfig { Generation = generation, NHeads = 8, MaxSeqLen = 256, EncoderSlidingWindow = 65536, SlidingWindow = 65536, XattnSlidingWindow = 65536 }
        : new ZunaConfig { NHeads = 8 };

    /// <summary>n_heads from the config, else the dataclass default 8 (the loader replaces it with wq rows / head_dim).</summary>
    public int Heads => NHeads ?? 8;
    /// <summary>Attention inner width, heads × head_dim.</summary>
    public int AttentionDim => Heads * HeadDim;

    /// <summary>FeedForward hidden width exactly as lingua computes it.</summary>
    public int FfnHidden
    {
        get
        {
            int hidden = 2 * (4 * Dim) / 3;
            if (FfnDimMultiplier is double m) hidden = (int)(m * hidden);
            return MultipleOf * ((hidden + MultipleOf - 1) / MultipleOf);
        }
    }

    /// <summary>
    /// Reads config.json: a top-level "model" object (HF layout) or the model fields at the top level. Absent keys take
    /// the defaults of <paramref name="generation"/>; unknown keys are ignored.
    /// </summary>
    public static ZunaConfig FromJson(string json, string source = "config.json", ModelGeneration generation = ModelGeneration.Zuna10)
    {
        try
        {
            var root = JsonNode.Parse(json);
            var model = root is JsonObject o && o["model"] is JsonObject m ? m : root as JsonObject
                        ?? throw new ModelLoadException($"{source}: the model configuration is not a JSON object.");
            if (generation == ModelGeneration.Zuna11)
                foreach (var (key, value) in Zuna11Defaults)
                    if (!model.ContainsKey(key)) model[key] = value.DeepClone();
            var config = model.Deserialize<ZunaConfig>(new JsonSerializerOptions { NumberHandling = JsonNumberHandling.AllowReadingFromString })
                         ?? throw new ModelLoadException($"{source}: empty model configuration.");
            config = config with { Generation = generation };
            config.Validate(source);
            return config;
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{source}: not a valid ZUNA config ({e.Message}).", e);
        }
    }

    public static ZunaConfig FromFile(string path, ModelGeneration generation = ModelGeneration.Zuna10) =>
        File.Exists(path) ? FromJson(File.ReadAllText(path), path, generation) : throw new ModelLoadException($"config.json not found: {path}");

    private void Validate(string source)
    {
        void Require(bool ok, string what) { if (!ok) throw new ModelLoadException($"{source}: unsupported configuration: {what}."); }
        Require(Dim > 0 && NLayers > 0 && HeadDim > 0, $"dim {Dim}, n_layers {NLayers}, head_dim {HeadDim} must be positive");
        Require(RopeDim == 4 && HeadDim % 8 == 0, $"rope_dim {RopeDim} with head_dim {HeadDim} (need 4-D RoPE and head_dim divisible by 8)");
        Require(EncoderLatentDownsampleFactor == 1, $"encoder_latent_downsample_factor {EncoderLatentDownsampleFactor} (only 1)");
        Require(!SeqlenT, "seqlen_t true");
        Require(InputDim == EncoderInputDim, $"input_dim {InputDim} ≠ encoder_input_dim {EncoderInputDim}");
        Require(MaxSeqLen > 0 && TDim > 0 && TDim % 2 == 0, $"max_seqlen {MaxSeqLen}, t_dim {TDim}");
        Require(NKvHeads is null || NKvHeads == NHeads, "grouped-query attention (n_kv_heads ≠ n_heads)");
        Require(ApeDim == 0, $"ape_dim {ApeDim} (absolute position embeddings; the released models use 0)");
        Require(TokIdxType == "{x,y,z,tc}", $"tok_idx_type {TokIdxType} (only {{x,y,z,tc}})");
        Require(DropoutVecType != "learnable", "dropout_vec_type learnable (a learned mask vector)");
    }
}
