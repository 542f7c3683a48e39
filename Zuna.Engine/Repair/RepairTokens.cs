namespace Zuna.Engine.Repair;

/// <summary>
/// A window's tokens in the ZUNA1.1 layout (docs/zuna11.md §4): time-major, token s = t·C + c holds samples
/// 32t … 32t+31 of channel c; tok_idx = (x bin, y bin, z bin, t) with 100 bins over ±0.12 m. These are the arrays the
/// original hands its model (and the fixtures store); the model adapter converts to the loaded model's order.
/// </summary>
public static class RepairTokens
{
    public const int PositionBins = 100;
    private const float Extreme = 0.12f;

    /// <summary>Index of channel-major token (c, t) in time-major order.</summary>
    public static int TimeMajor(int channel, int time, int channels) => time * channels + channel;

    /// <summary>clamp(z/10, ±1) as [S, 32] time-major, before masking (the original's eeg_signal).</summary>
    public static float[] Signal(RepairWindow w) => Patches(w.ZScored, w);

    /// <summary>The encoder input [S, 32]: <see cref="Signal"/> with masked tokens set to 0.</summary>
    public static float[] EncoderInput(RepairWindow w) => Patches(w.MaskedInput(), w);

    /// <summary>Per token: 1 = masked, [S] time-major.</summary>
    public static byte[] Mask(RepairWindow w)
    {
        int tc = w.TokensPerChannel, channels = w.ChannelCount;
        var result = new byte[w.TokenCount];
        for (int c = 0; c < channels; c++)
        for (int t = 0; t < tc; t++)
            result[TimeMajor(c, t, channels)] = w.TokenMask[c * tc + t] ? (byte)1 : (byte)0;
        return result;
    }

    /// <summary>tok_idx [S, 4] time-major for positions [C, 3] in metres.</summary>
    public static long[] Index(ReadOnlySpan<float> positions, int channels, int tokensPerChannel)
    {
        var index = new long[channels * tokensPerChannel * 4];
        for (int t = 0; t < tokensPerChannel; t++)
        for (int c = 0; c < channels; c++)
        {
            int s = TimeMajor(c, t, channels) * 4;
            for (int axis = 0; axis < 3; axis++)
            {
                // float32 arithmetic as the original: trunc(((p + 0.12) / 0.24) · 100), clamped to 0..99.
                float scaled = (positions[c * 3 + axis] - -Extreme) / (Extreme - -Extreme) * PositionBins;
                index[s + axis] = Math.Clamp((long)MathF.Truncate(scaled), 0, PositionBins - 1);
            }
            index[s + 3] = t;
        }
        return index;
    }

    /// <summary>Channel of each token, [S] time-major.</summary>
    public static long[] ChannelIds(int channels, int tokensPerChannel) =>
        [.. Enumerable.Range(0, channels * tokensPerChannel).Select(s => (long)(s % channels))];

    /// <summary>[C, T] channel-major ↔ [S, 32] time-major tokens, either way.</summary>
    public static float[] ToTimeMajor(ReadOnlySpan<float> channelMajor, int channels, int tokensPerChannel) =>
        Permute(channelMajor, channels, tokensPerChannel, toTimeMajor: true);

    public static float[] ToChannelMajor(ReadOnlySpan<float> timeMajor, int channels, int tokensPerChannel) =>
        Permute(timeMajor, channels, tokensPerChannel, toTimeMajor: false);

    private static float[] Permute(ReadOnlySpan<float> source, int channels, int tokensPerChannel, bool toTimeMajor)
    {
        const int p = RepairMask.TokenSamples;
        var result = new float[source.Length];
        for (int c = 0; c < channels; c++)
        for (int t = 0; t < tokensPerChannel; t++)
        {
            int channelMajor = (c * tokensPerChannel + t) * p, timeMajor = TimeMajor(c, t, channels) * p;
            (int from, int to) = toTimeMajor ? (channelMajor, timeMajor) : (timeMajor, channelMajor);
            source.Slice(from, p).CopyTo(result.AsSpan(to, p));
        }
        return result;
    }

    private static float[] Patches(float[] zscored, RepairWindow w)
    {
        var tokens = ToTimeMajor(zscored, w.ChannelCount, w.TokensPerChannel);
        for (int i = 0; i < tokens.Length; i++) tokens[i] = Math.Clamp(tokens[i] / RepairWindow.DataNorm, -1f, 1f);
        return tokens;
    }
}
