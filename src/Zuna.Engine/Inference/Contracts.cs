namespace Zuna.Engine.Inference;

/// <summary>
/// A batch of epochs that share one channel layout: [BatchSize, ChannelCount, EpochSamples] z-units
/// (as preprocessing writes them: not yet divided by data_norm), with positions [ChannelCount, 3] in metres.
/// Missing channels are all-zero rows at their true position.
/// </summary>
public sealed record EpochBatch(float[] Signals, int BatchSize, int ChannelCount, int EpochSamples, float[] ChannelPositions)
{
    /// <summary>Tokens per epoch: one per channel per 32-sample patch, channel-major.</summary>
    public int TokenCount => ChannelCount * (EpochSamples / 32);
}

/// <summary>
/// Identifies the initial noise of one epoch: the draws depend only on (Seed, EpochIndex), never on
/// which other epochs share the batch, so results do not depend on batching or request order.
/// </summary>
public readonly record struct NoiseKey(long Seed, int EpochIndex);

/// <summary>Rectified-flow sampler settings (docs/zuna-model.md §6).</summary>
public sealed record SamplerOptions
{
    /// <summary>Euler steps; t runs 1, 1−1/steps, …, 1/steps.</summary>
    public int Steps { get; init; } = 50;
    /// <summary>Classifier-free guidance; 1 = conditional only (one decoder call per step).</summary>
    public float Cfg { get; init; } = 1f;
    /// <summary>The model input is clamp(x / DataNorm, −1, 1) and the output is multiplied back by it.</summary>
    public float DataNorm { get; init; } = 10f;
}

/// <summary>Progress of a running batch: diffusion steps done out of the total.</summary>
public readonly record struct SamplerProgress(int StepsDone, int StepsTotal);
