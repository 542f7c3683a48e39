// Upstream: AY2/eeg_data.py discretize_chan_pos ("twelves", 50 bins in 1.0, 100 in 1.1), chop_and_reshape_signals
// (ordering "B" in 1.0, "A" in 1.1); AY2/eeg_eval.py make_batch_iterator (÷ data_norm, clip ±data_clip).
namespace Zuna.Engine.Inference;

/// <summary>
/// Turns epochs into model tokens: 32-sample patches in the generation's order (<see cref="TokenLayout"/>), the
/// per-token 4-D RoPE index (x bin, y bin, z bin, coarse time), and the scaled, clipped input.
/// Everything is plain float32/int64 arithmetic so it is bit-identical to the reference. Without a layout the
/// ZUNA 1.0 one applies.
/// </summary>
public static class Tokenizer
{
    public const int PatchSamples = 32;
    /// <summary>ZUNA 1.0's bins per axis (<see cref="TokenLayout.PositionBins"/> for others).</summary>
    public const int PositionBins = 50;
    private const float Extreme = 0.12f;   // float32(±0.12), "twelves"

    /// <summary>Bins per axis: clamp(trunc(((p − xmin)/(xmax − xmin))·bins), 0, bins − 1) in float32. [C, 3] → [C, 3].</summary>
    public static long[] DiscretizePositions(ReadOnlySpan<float> positions, int bins = PositionBins)
    {
        const float min = -Extreme, max = Extreme;
        var result = new long[positions.Length];
        for (int i = 0; i < positions.Length; i++)
        {
            float p = positions[i];
            if (!float.IsFinite(p)) throw new InvalidRecordingException($"channel {i / 3} has a non-finite position ({p}).");
            float scaled = (p - min) / (max - min) * bins;
            result[i] = Math.Clamp((long)MathF.Truncate(scaled), 0, bins - 1);
        }
        return result;
    }

    /// <summary>tok_idx, [S, 4] row-major, S = C · T/32, in the layout's token order (default ZUNA 1.0: channel-major).</summary>
    public static long[] TokenIndex(ReadOnlySpan<float> positions, int channelCount, int epochSamples, TokenLayout? layout = null)
    {
        layout ??= TokenLayout.Zuna10;
        int coarse = epochSamples / PatchSamples;
        var bins = DiscretizePositions(positions, layout.PositionBins);
        var index = new long[channelCount * coarse * 4];
        for (int c = 0; c < channelCount; c++)
        for (int k = 0; k < coarse; k++)
        {
            int s = layout.Token(c, k, channelCount, coarse) * 4;
            index[s] = bins[c * 3];
            index[s + 1] = bins[c * 3 + 1];
            index[s + 2] = bins[c * 3 + 2];
            index[s + 3] = k;
        }
        return index;
    }

    /// <summary>chan_id, [S]: the channel of each token in the layout's order.</summary>
    public static long[] ChannelIndex(int channelCount, int epochSamples, TokenLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        int coarse = epochSamples / PatchSamples;
        var ids = new long[channelCount * coarse];
        for (int c = 0; c < channelCount; c++)
        for (int k = 0; k < coarse; k++)
            ids[layout.Token(c, k, channelCount, coarse)] = c;
        return ids;
    }

    /// <summary>
    /// clamp(x / dataNorm, −1, 1), element for element (a true float32 division as upstream, not × 0.1).
    /// Laid out [B, C, T], this already is the channel-major token matrix [B, S, 32]: patches are contiguous runs of 32 samples.
    /// </summary>
    public static float[] ScaleAndClip(ReadOnlySpan<float> signals, float dataNorm)
    {
        var result = new float[signals.Length];
        for (int i = 0; i < signals.Length; i++)
        {
            float x = signals[i];
            if (float.IsNaN(x)) throw new InvalidRecordingException($"the signal holds NaN at sample {i}.");
            result[i] = Math.Clamp(x / dataNorm, -1f, 1f);
        }
        return result;
    }

    /// <summary>Checks a batch against the model's limits before any tensor work.</summary>
    public static void Validate(EpochBatch batch, int maxSeqLen)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.BatchSize < 1 || batch.ChannelCount < 1)
            throw new InvalidRecordingException($"a batch needs at least one epoch and one channel (got {batch.BatchSize} × {batch.ChannelCount}).");
        if (batch.EpochSamples < PatchSamples || batch.EpochSamples % PatchSamples != 0)
            throw new InvalidRecordingException($"epoch length {batch.EpochSamples} samples is not a positive multiple of {PatchSamples}.");
        if (batch.EpochSamples / PatchSamples > maxSeqLen)
            throw new InvalidRecordingException($"epoch length {batch.EpochSamples} samples exceeds the model's limit of {maxSeqLen * PatchSamples} ({maxSeqLen} patches of {PatchSamples}).");
        long expected = (long)batch.BatchSize * batch.ChannelCount * batch.EpochSamples;
        if (batch.Signals.Length != expected)
            throw new InvalidRecordingException($"signal buffer holds {batch.Signals.Length} values, expected {batch.BatchSize}×{batch.ChannelCount}×{batch.EpochSamples} = {expected}.");
        if (batch.ChannelPositions.Length != batch.ChannelCount * 3)
            throw new InvalidRecordingException($"{batch.ChannelPositions.Length} position values for {batch.ChannelCount} channels (need 3 per channel).");
        if (batch.TokenMask is { } mask && mask.Length != (long)batch.BatchSize * batch.TokenCount)
            throw new InvalidOptionException($"token mask holds {mask.Length} values, expected {batch.BatchSize}×{batch.TokenCount} (epochs × tokens).");
    }
}
