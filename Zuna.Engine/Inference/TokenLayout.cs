using Zuna.Engine.Weights;

namespace Zuna.Engine.Inference;

/// <summary>
/// How a ZUNA generation lays epochs out as tokens: the number of position bins over ±0.12 m per axis, and the token
/// order. ZUNA 1.0 (order "B", channel-major): token c·tc + t; ZUNA1.1 (order "A", time-major): token t·C + c
/// (docs/zuna11.md §4). In both, a token holds samples 32t … 32t+31 of channel c.
/// </summary>
public sealed record TokenLayout(int PositionBins, bool TimeMajor)
{
    public static TokenLayout Zuna10 { get; } = new(50, TimeMajor: false);
    public static TokenLayout Zuna11 { get; } = new(100, TimeMajor: true);

    public static TokenLayout For(ModelGeneration generation) => generation == ModelGeneration.Zuna11 ? Zuna11 : Zuna10;

    /// <summary>The layout of the model that produced <paramref name="model"/> (by <see cref="ModelInfo.Generation"/>).</summary>
    public static TokenLayout For(ModelInfo model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return ModelGenerations.TryParse(model.Generation, out var generation)
            ? For(generation)
            : throw new ArgumentException($"unknown model generation '{model.Generation}'.", nameof(model));
    }

    /// <summary>"channel-major" or "time-major", as written into output metadata.</summary>
    public string OrderName => TimeMajor ? "time-major" : "channel-major";

    /// <summary>The token that holds patch <paramref name="t"/> of channel <paramref name="c"/>.</summary>
    public int Token(int c, int t, int channelCount, int patchesPerChannel) =>
        TimeMajor ? t * channelCount + c : c * patchesPerChannel + t;
}
