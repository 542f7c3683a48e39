namespace Zuna.Engine.Repair;

/// <summary>
/// One window as the model takes it (docs/zuna11.md §5.3): [Start, Start + Samples) of the prepared recording,
/// average-referenced over the recorded channels and z-scored per channel. <see cref="ZScored"/> is [C, T] z-units
/// before the ÷10 and clip; <see cref="Mean"/>, <see cref="Std"/> (σ + 1e-6 V) and <see cref="Offset"/> [T] turn
/// model output back into volts; <see cref="TokenMask"/> is [C, T/32] (channel-major), true = repaired.
/// </summary>
public sealed record RepairWindow(
    int Index,
    int Start,
    int Samples,
    int ChannelCount,
    float[] ZScored,
    float[] Mean,
    float[] Std,
    float[] Offset,
    bool[] TokenMask)
{
    public const float DataNorm = 10f;

    public int End => Start + Samples;
    public int TokensPerChannel => Samples / RepairMask.TokenSamples;
    public int TokenCount => ChannelCount * TokensPerChannel;

    /// <summary>The model input in z-units [C, T]: <see cref="ZScored"/> with every masked token set to 0.</summary>
    public float[] MaskedInput()
    {
        var x = (float[])ZScored.Clone();
        int tc = TokensPerChannel;
        for (int c = 0; c < ChannelCount; c++)
        for (int k = 0; k < tc; k++)
            if (TokenMask[c * tc + k]) Array.Clear(x, c * Samples + k * RepairMask.TokenSamples, RepairMask.TokenSamples);
        return x;
    }

    /// <summary>The clipped model input back in z-units, clamp(z/10, ±1)·10: what the hybrid keeps outside the mask.</summary>
    public float ClippedInput(int channel, int sample) =>
        Math.Clamp(ZScored[channel * Samples + sample] / DataNorm, -1f, 1f) * DataNorm;
}
