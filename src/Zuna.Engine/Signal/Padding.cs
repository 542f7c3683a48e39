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
        int n = x.Length;
        if (n == 0) throw new ArgumentException("cannot pad an empty signal", nameof(x));
        if (left < 0 || right < 0) throw new ArgumentOutOfRangeException(nameof(left), "padding must be non-negative");
        if (destination.Length != n + left + right) throw new ArgumentException("destination has the wrong length", nameof(destination));

        int leftReflected = Math.Min(left, n - 1);
        int leftZeros = left - leftReflected;
        destination[..leftZeros].Clear();
        double first = x[0];
        // destination[leftZeros + j] = 2·x0 − x[leftReflected − j], j = 0..leftReflected−1 (nearest sample last).
        for (int j = 0; j < leftReflected; j++) destination[leftZeros + j] = 2 * first - x[leftReflected - j];

        x.CopyTo(destination.Slice(left, n));

        int rightReflected = Math.Min(right, n - 1);
        double last = x[n - 1];
        int r0 = left + n;
        for (int j = 0; j < rightReflected; j++) destination[r0 + j] = 2 * last - x[n - 2 - j];
        destination[(r0 + rightReflected)..].Clear();
    }

    public static double[] ReflectLimited(ReadOnlySpan<double> x, int left, int right)
    {
        var result = new double[x.Length + left + right];
        ReflectLimited(x, left, right, result);
        return result;
    }
}
