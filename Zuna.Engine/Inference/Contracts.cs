namespace Zuna.Engine.Inference;

/// <summary>
/// A batch of epochs that share one channel layout: [BatchSize, ChannelCount, EpochSamples] z-units
/// (as preprocessing writes them: not yet divided by data_norm), with positions [ChannelCount, 3] in metres.
/// Missing channels are all-zero rows at their true position.
/// </summary>
public sealed record EpochBatch(float[] Signals, int BatchSize, int ChannelCount, int EpochSamples, float[] ChannelPositions)
{
    /// <summary>Tokens per epoch: one per channel per 32-sample patch (order: the model's <see cref="TokenLayout"/>).</summary>
    public int TokenCount => ChannelCount * (EpochSamples / 32);

    /// <summary>
    /// Optional per-token mask [BatchSize, TokenCount] in the loaded model's token order (ZUNA1.1: time-major, token
    /// t·C + c; ZUNA 1.0: channel-major, c·tc + t): a true token is set to exactly 0 in the encoder input after
    /// ÷ data_norm and clipping, as the original's EEGProcessor does for masked tokens. null = nothing masked beyond
    /// what the signals already hold (zeros).
    /// </summary>
    public bool[]? TokenMask { get; init; }
}

/// <summary>
/// Identifies the initial noise of one epoch: the draws depend only on (Seed, EpochIndex), never on
/// which other epochs share the batch, so results do not depend on batching or request order.
/// </summary>
public readonly record struct NoiseKey(long Seed, int EpochIndex);

/// <summary>Rectified-flow sampler settings (docs/zuna-model.md §6).</summary>
public sealed record SamplerOptions
{
    /// <summary>Solver steps on the grid t = 1, 1−1/steps, …, 0 (decoder evaluations: <see cref="SamplerKinds.Evaluations"/>).</summary>
    public int Steps { get; init; } = 50;
    /// <summary>ODE solver; Euler is the original's. Part of record equality, so batches never mix solvers.</summary>
    public SamplerKind Sampler { get; init; } = SamplerKind.Euler;
    /// <summary>Classifier-free guidance; 1 = conditional only (one decoder call per step).</summary>
    public float Cfg { get; init; } = 1f;
    /// <summary>The model input is clamp(x / DataNorm, −1, 1) and the output is multiplied back by it.</summary>
    public float DataNorm { get; init; } = 10f;
}

/// <summary>
/// Progress of a running batch: solver steps done out of the total, and decoder evaluations (NFE) done out of
/// theirs — the cost measure that compares solvers (Heun takes 2N−1 evaluations for N steps, Euler N).
/// </summary>
public readonly record struct SamplerProgress(int StepsDone, int StepsTotal, int EvaluationsDone = 0, int EvaluationsTotal = 0)
{
    /// <summary>"step 3/8, NFE 5/15" (the NFE part only when the evaluations are known).</summary>
    public override string ToString() =>
        EvaluationsTotal > 0 ? $"step {StepsDone}/{StepsTotal}, NFE {EvaluationsDone}/{EvaluationsTotal}" : $"step {StepsDone}/{StepsTotal}";
}

/// <summary>
/// What a loaded model reports about itself (served by GET /v1/info). <see cref="Generation"/> is "ZUNA1.0" or
/// "ZUNA1.1" (from the checkpoint's tensor names); <see cref="TokenLayout.For(ModelInfo)"/> gives its token order;
/// <see cref="MaxEpochSamples"/> is the longest epoch the model takes (1.0: 1600, 1.1: 8192); <see cref="DtypeReason"/>
/// says why it runs in <see cref="Dtype"/> ("requested", or dtype=auto's verdict with the matmul rates it measured).
/// </summary>
public sealed record ModelInfo(
    string ModelId,
    string Revision,
    string WeightsSha256,
    string Device,
    string Dtype,
    int Dim,
    int EncoderLayers,
    int DecoderLayers,
    long ParameterCount,
    string Generation = "ZUNA1.0",
    int MaxEpochSamples = 1600,
    string DtypeReason = "requested");

/// <summary>
/// A loaded ZUNA model. Not thread-safe: one inference thread owns an instance and calls it for
/// every batch (TorchSharp dispose scopes and inference mode are thread-local).
/// </summary>
public interface IZunaModel : IDisposable
{
    ModelInfo Info { get; }

    /// <summary>Encoder latents, [BatchSize, TokenCount, 32], in the model's token order (see <see cref="ModelInfo.Generation"/>).</summary>
    float[] Embed(EpochBatch batch, CancellationToken cancellationToken = default);

    /// <summary>
    /// Encoder then rectified-flow decode. Epoch b starts from noise drawn for <paramref name="noise"/>[b]
    /// (or from <paramref name="initialNoise"/>, [BatchSize, TokenCount, 32] standard-normal draws, when given).
    /// <paramref name="initialNoise"/> is in the model's token order. Returns the reconstruction
    /// [BatchSize, ChannelCount, EpochSamples] in z-units (×DataNorm applied), whatever the token order.
    /// </summary>
    float[] Reconstruct(
        EpochBatch batch,
        SamplerOptions options,
        IReadOnlyList<NoiseKey> noise,
        float[]? initialNoise = null,
        IProgress<SamplerProgress>? progress = null,
        CancellationToken cancellationToken = default);
}
