using System.Runtime.InteropServices;
using TorchSharp;

namespace Zuna.Engine.Signal;

/// <summary>
/// Real-input FFTs with numpy/scipy (pocketfft) conventions: forward unscaled, inverse scaled by 1/n,
/// spectra packed as interleaved (re, im) pairs of the n/2+1 non-negative-frequency bins.
/// The back end is libtorch's FFT in double precision (<see cref="Torch"/>). <see cref="UsesNative(int)"/> is the one
/// place that sends a length elsewhere: in a process that has not loaded libtorch for the model (<c>zuna preprocess</c>),
/// short power-of-two transforms run in the managed <see cref="PowerOfTwoFft"/>, because loading libtorch costs more than
/// the whole preprocessing of a short 256-Hz file; once the model runtime is up (<see cref="TorchRuntime.Initialise"/>:
/// the service, the model verbs) libtorch is faster at every length and takes them all (bench/preprocess/NOTES.md).
/// </summary>
public static class RealFft
{
    /// <summary>Power-of-two transforms at least this long use libtorch.</summary>
    public const int NativeThreshold = 16384;

    /// <summary>Doubles needed to hold the packed spectrum of a length-n real signal: 2·(n/2+1).</summary>
    public static int PackedLength(int n) => 2 * (n / 2 + 1);

    /// <summary>Whether a transform of length n goes to libtorch; the others are short powers of two done managed.</summary>
    internal static bool UsesNative(int n) => UsesNative(n, TorchRuntime.IsInitialised);

    /// <summary>The rule itself, for a process with (<paramref name="runtimeUp"/>) or without the model runtime.</summary>
    internal static bool UsesNative(int n, bool runtimeUp) => runtimeUp || n >= NativeThreshold || !PowerOfTwoFft.Supports(n);

    /// <summary>rfft(x, n): x is truncated or zero-padded to n samples. Returns 2·(n/2+1) doubles.</summary>
    public static double[] Forward(ReadOnlySpan<double> x, int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), "FFT length must be positive");
        if (UsesNative(n)) return TorchForward(x, n);
        var packed = new double[PackedLength(n)];
        PowerOfTwoFft.Forward(x, n, packed);
        return packed;
    }

    /// <summary>
    /// irfft(spectrum, n): uses bins 0..n/2 of <paramref name="packed"/> (zero-filled when it has fewer).
    /// Like pocketfft's c2r, the imaginary parts of bin 0 and (even n) bin n/2 are ignored.
    /// </summary>
    public static double[] Inverse(ReadOnlySpan<double> packed, int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), "FFT length must be positive");
        var buffer = new double[PackedLength(n)];
        packed[..Math.Min(packed.Length, buffer.Length)].CopyTo(buffer);
        buffer[1] = 0;
        if (n % 2 == 0) buffer[n + 1] = 0;
        if (UsesNative(n)) return TorchInverse(buffer, n);
        var result = new double[n];
        PowerOfTwoFft.Inverse(buffer, n, result);
        return result;
    }

    private static double[] TorchForward(ReadOnlySpan<double> x, int n)
    {
        var input = new double[n];
        x[..Math.Min(x.Length, n)].CopyTo(input);
        using var scope = torch.NewDisposeScope();
        var signal = torch.tensor(input, torch.float64);
        var spectrum = torch.view_as_real(Torch.Rfft(signal)).contiguous(); // [n/2+1, 2]
        return CopyOut(spectrum, PackedLength(n));
    }

    private static double[] TorchInverse(double[] packed, int n)
    {
        using var scope = torch.NewDisposeScope();
        // clone: complex kernels need libtorch's aligned storage, not the wrapped managed array.
        var pairs = torch.tensor(packed, new long[] { packed.Length / 2, 2 }, torch.float64).clone();
        var signal = Torch.Irfft(torch.view_as_complex(pairs), n); // [n], scaled by 1/n ("backward" norm)
        return CopyOut(signal.contiguous(), n);
    }

    /// <summary>Copies a contiguous float64 tensor out in one block (TensorAccessor.ToArray goes element by element).</summary>
    private static double[] CopyOut(torch.Tensor t, int count)
    {
        if (t.numel() != count) throw new InvalidOperationException($"FFT returned {t.numel()} values, expected {count}");
        var result = new double[count];
        MemoryMarshal.Cast<byte, double>(t.bytes).CopyTo(result);
        return result;
    }

    /// <summary>
    /// libtorch's transforms, through which every native FFT in this folder goes, so that the type initialiser runs
    /// once before the first of them. It re-applies libtorch's current intra-op thread count (the default, or what
    /// <see cref="TorchRuntime.Initialise"/> chose): setting the count also turns off MKL's dynamic thread choice,
    /// which otherwise may run long transforms on one thread (bench/preprocess/NOTES.md). Slow runs that look
    /// single-threaded still happen on a shared machine when other processes hold a core, so this is a safeguard,
    /// not a measured cure.
    /// </summary>
    internal static class Torch
    {
        static Torch() => torch.set_num_threads(torch.get_num_threads());

        public static torch.Tensor Rfft(torch.Tensor x, long dim = -1) => torch.fft.rfft(x, dim: dim);

        public static torch.Tensor Irfft(torch.Tensor x, long n, long dim = -1) => torch.fft.irfft(x, n, dim: dim);

        public static torch.Tensor Fft(torch.Tensor x, long dim = -1) => torch.fft.fft_(x, dim: dim);

        public static torch.Tensor Ifft(torch.Tensor x, long dim = -1) => torch.fft.ifft(x, dim: dim);
    }
}
