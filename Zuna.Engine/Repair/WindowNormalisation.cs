namespace Zuna.Engine.Repair;

/// <summary>
/// Per-window normalisation of the repair pipeline (docs/zuna11.md §5.3): subtract at each sample the mean over the
/// recorded channels (bad and masked ones included, added ones excluded), then z-score every channel with its own
/// mean and population σ + 1e-6 V. Sums run in double; each stored value is rounded to float32 where the original's
/// float32 numpy arithmetic stores one, which keeps the result within a float32 rounding of it.
/// </summary>
public static class WindowNormalisation
{
    public const float StdFloor = 1e-6f;

    public static RepairWindow Normalise(PreparedRecording prepared, int index, int start, int samples, bool[] tokenMask)
    {
        int channels = prepared.ChannelCount;
        int[] reference = [.. Enumerable.Range(0, channels).Where(c => !prepared.IsUpsampled[c])];
        var offset = new float[samples];
        for (int t = 0; t < samples; t++)
        {
            double sum = 0;
            foreach (int c in reference) sum += prepared.Data[c][start + t];
            offset[t] = (float)(sum / reference.Length);
        }

        var z = new float[channels * samples];
        var mean = new float[channels];
        var std = new float[channels];
        var referenced = new float[samples];
        for (int c = 0; c < channels; c++)
        {
            var x = prepared.Data[c].AsSpan(start, samples);
            double sum = 0;
            for (int t = 0; t < samples; t++) sum += referenced[t] = x[t] - offset[t];
            double mu = sum / samples, squares = 0;
            for (int t = 0; t < samples; t++) { double d = referenced[t] - mu; squares += d * d; }
            mean[c] = (float)mu;
            std[c] = (float)Math.Sqrt(squares / samples) + StdFloor;
            var row = z.AsSpan(c * samples, samples);
            for (int t = 0; t < samples; t++) row[t] = (referenced[t] - mean[c]) / std[c];
        }
        return new RepairWindow(index, start, samples, channels, z, mean, std, offset, tokenMask);
    }
}
