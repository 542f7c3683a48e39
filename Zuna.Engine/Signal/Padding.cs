namespace Zuna.Engine.Signal;

/// <summary>MNE's <c>_smart_pad(x, (left, right), 'reflect_limited')</c> (mne/filter.py).</summary>
public static class Padding
{
    /// <summary>
    /// Writes [zeros, 2·x[0] − x[k..1], x, 2·x[n−1] − x[n−2..n−1−k'], zeros] into <paramref name="destination"/>
    /// (length n + left + right): an odd reflection about each end sample, limited to n−1 reflected samples,
    /// the rest zeros on the outside.
    /// </summary>
    public static void ReflectLimited(ReadOnlySpan<double> x, int left, int right, Span<double> destination)
    {
        Check(x.Length, left, right, destination.Length);
        x.CopyTo(destination.Slice(left, x.Length));
        ReflectAroundCentre(destination, left, x.Length);
    }

    /// <summary><see cref="ReflectLimited(ReadOnlySpan{double}, int, int, Span{double})"/> of float samples widened to
    /// double on the way (saves the caller a double copy of a long channel).</summary>
    public static void ReflectLimited(ReadOnlySpan<float> x, int left, int right, Span<double> destination)
    {
        Check(x.Length, left, right, destination.Length);
        var centre = destination.Slice(left, x.Length);
        for (int i = 0; i < x.Length; i++) centre[i] = x[i];
        ReflectAroundCentre(destination, left, x.Length);
    }

    public static double[] ReflectLimited(ReadOnlySpan<double> x, int left, int right)
    {
        var result = new double[x.Length + left + right];
        ReflectLimited(x, left, right, result);
        return result;
    }

    private static void Check(int n, int left, int right, int destinationLength)
    {
        if (n == 0) throw new ArgumentException("cannot pad an empty signal", "x");
        if (left < 0 || right < 0) throw new ArgumentOutOfRangeException(nameof(left), "padding must be non-negative");
        if (destinationLength != n + left + right) throw new ArgumentException("destination has the wrong length", "destination");
    }

    /// <summary>Fills both pads of <paramref name="d"/> from the signal already in d[left .. left+n).</summary>
    private static void ReflectAroundCentre(Span<double> d, int left, int n)
    {
        int leftReflected = Math.Min(left, n - 1);
        int leftZeros = left - leftReflected;
        d[..leftZeros].Clear();
        double first = d[left];
        // d[leftZeros + j] = 2·x0 − x[leftReflected − j], j = 0..leftReflected−1 (nearest sample last).
        for (int j = 0; j < leftReflected; j++) d[leftZeros + j] = 2 * first - d[left + leftReflected - j];

        int rightReflected = Math.Min(d.Length - left - n, n - 1);
        int r0 = left + n;
        double last = d[r0 - 1];
        for (int j = 0; j < rightReflected; j++) d[r0 + j] = 2 * last - d[r0 - 2 - j];
        d[(r0 + rightReflected)..].Clear();
    }
}
