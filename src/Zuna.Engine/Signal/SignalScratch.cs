namespace Zuna.Engine.Signal;

/// <summary>
/// Work arrays one worker reuses from channel to channel (resampling pad, filter pad and blocks). Fresh large arrays
/// cost page faults on every first touch (~55 ms per 32 MB on the benchmark machine, as much as the FFT itself), so
/// reusing them is the cheapest speed-up for long recordings. Not thread-safe: one instance per worker; dropping it
/// releases the memory.
/// </summary>
public sealed class SignalScratch
{
    internal const int ResamplePad = 0, FilterPad = 1, FilterBlocks = 2, PolyphaseRows = 3;
    private readonly double[]?[] _slots = new double[4][];

    /// <summary>An array of at least <paramref name="length"/> doubles for <paramref name="slot"/>; contents undefined.</summary>
    internal double[] Get(int slot, int length)
    {
        var a = _slots[slot];
        if (a is null || a.Length < length) _slots[slot] = a = GC.AllocateUninitializedArray<double>(length);
        return a;
    }

    /// <summary>A scratch for a single call when the caller gave none.</summary>
    internal static SignalScratch OrNew(SignalScratch? scratch) => scratch ?? new SignalScratch();
}
