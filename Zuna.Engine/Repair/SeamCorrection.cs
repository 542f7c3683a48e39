namespace Zuna.Engine.Repair;

/// <summary>
/// Seam correction of the hybrid (docs/zuna11.md §5.6): within each maximal run [s, e) of repaired samples of a channel
/// (channels repaired over their whole length are left alone) adds the linear ramp from dL = h[s−1] − h[s] to
/// dR = h[e] − h[e−1], so the run meets its neighbours; a one-sample run gets (dL + dR)/2, a run with one original
/// neighbour a constant shift to it. NaN neighbours count as absent.
/// </summary>
public static class SeamCorrection
{
    /// <param name="hybrid">[C, N] row-major, corrected in place.</param>
    /// <param name="mask">[C, N] row-major, non-zero = repaired.</param>
    public static void Apply(float[] hybrid, byte[] mask, int sampleCount)
    {
        for (int c = 0; c < hybrid.Length / sampleCount; c++)
        {
            var h = hybrid.AsSpan(c * sampleCount, sampleCount);
            var m = mask.AsSpan(c * sampleCount, sampleCount);
            if (m.IndexOf((byte)0) < 0) continue;
            foreach (var (s, e) in InfillAnnotations.Runs(m))
            {
                bool hasLeft = s > 0 && !float.IsNaN(h[s - 1]), hasRight = e < h.Length && !float.IsNaN(h[e]);
                double dL = hasLeft ? (double)h[s - 1] - h[s] : 0, dR = hasRight ? (double)h[e] - h[e - 1] : 0;
                int length = e - s;
                if (hasLeft && hasRight)
                {
                    if (length == 1) { h[s] = (float)(h[s] + (dL + dR) / 2); continue; }
                    for (int k = 0; k < length; k++) h[s + k] = (float)(h[s + k] + (dL + (dR - dL) * k / (length - 1)));
                }
                else if (hasLeft || hasRight)
                {
                    double shift = hasLeft ? dL : dR;
                    for (int k = s; k < e; k++) h[k] = (float)(h[k] + shift);
                }
            }
        }
    }
}
