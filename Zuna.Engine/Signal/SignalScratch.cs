using TorchSharp;

namespace Zuna.Engine.Signal;

/// <summary>
/// Work memory one worker reuses from channel to channel: managed arrays (resampling and filter pads, managed FFT
/// blocks) and libtorch buffers (polyphase rows, filter blocks). Fresh large buffers cost page faults on every first
/// touch, as much as the FFT itself for an hour-long channel (bench/preprocess/NOTES.md), and
/// <c>torch.tensor(double[])</c> copies the array into a new managed one, so long channels fill libtorch-owned buffers
/// in place instead.
/// Not thread-safe: one instance per worker. Dispose releases the libtorch buffers (else their finalizers do).
/// </summary>
public sealed class SignalScratch : IDisposable
{
    internal const int ResamplePad = 0, FilterPad = 1, FilterBlocks = 2, EdfRecords = 3;
    internal const int PolyphaseRowsTensor = 0, FilterBlocksTensor = 1;
    private readonly double[]?[] _slots = new double[4][];
    private readonly torch.Tensor?[] _tensors = new torch.Tensor?[2];

    /// <summary>An array of at least <paramref name="length"/> doubles for <paramref name="slot"/>; contents undefined.</summary>
    internal double[] Get(int slot, int length)
    {
        var a = _slots[slot];
        if (a is null || a.Length < length) _slots[slot] = a = GC.AllocateUninitializedArray<double>(length);
        return a;
    }

    /// <summary>The first <paramref name="length"/> values of a float64 libtorch buffer for <paramref name="slot"/>, as a
    /// 1-D tensor registered in the caller's dispose scope (the buffer itself stays here); contents undefined.</summary>
    internal torch.Tensor Tensor(int slot, long length)
    {
        var t = _tensors[slot];
        if (t is null || t.numel() < length)
        {
            t?.Dispose();
            using (torch.NewDisposeScope())
                _tensors[slot] = t = torch.empty(length, torch.float64).DetachFromDisposeScope();
        }
        return t.narrow(0, 0, length);
    }

    /// <summary>A scratch for a single call when the caller gave none.</summary>
    internal static SignalScratch OrNew(SignalScratch? scratch) => scratch ?? new SignalScratch();

    public void Dispose()
    {
        for (int i = 0; i < _tensors.Length; i++)
        {
            _tensors[i]?.Dispose();
            _tensors[i] = null;
        }
    }
}
