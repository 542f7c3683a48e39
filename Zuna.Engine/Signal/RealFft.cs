using MathNet.Numerics.IntegralTransforms;
using TorchSharp;

namespace Zuna.Engine.Signal;

/// <summary>
/// Real-input FFTs with numpy/scipy (pocketfft) conventions: forward unscaled, inverse scaled by 1/n,
/// spectra packed as interleaved (re, im) pairs of the n/2+1 non-negative-frequency bins.
/// Back ends, all agreeing with numpy to ~1e-15 relative:
/// power-of-two lengths below <see cref="NativeThreshold"/> use the managed <see cref="PowerOfTwoFft"/> (no libtorch
/// start-up for short recordings); everything else uses libtorch's FFT (double precision). MathNet.Numerics is the
/// fallback when libtorch cannot be loaded: it is exact but slow for long or awkward lengths (3.1 s for a 2^22-point
/// rfft, 8.4 s for the 1,073,742-point irfft of one hour of 1 kHz EEG, 18 ms for 8389 points; libtorch 0.14 s, 0.21 s,
/// 1.2 ms).
/// </summary>
public static unsafe class RealFft
{
    /// <summary>Power-of-two transforms at least this long use libtorch.</summary>
    public const int NativeThreshold = 16384;

    private static volatile bool _torchUnavailable;

    /// <summary>Doubles needed to hold the packed spectrum of a length-n real signal: 2·(n/2+1).</summary>
    public static int PackedLength(int n) => 2 * (n / 2 + 1);

    private static bool UseTorch(int n)
    {
        if (_torchUnavailable || (n < NativeThreshold && PowerOfTwoFft.Supports(n))) return false;
        if (!_threadsPinned) PinThreads();
        return !_torchUnavailable;
    }

    private static volatile bool _threadsPinned;

    /// <summary>
    /// Re-applies libtorch's current intra-op thread count once. The count stays what it was (the default, or what
    /// <see cref="TorchRuntime.Initialise"/> chose); setting it also turns off MKL's dynamic thread choice, so the FFTs
    /// do not silently drop to one thread (an hour-long channel's 1073742-point irfft: 17 ms on two threads, 200 ms on
    /// one). Single-threaded-looking slow runs (CPU ≈ wall) still happen on the shared benchmark machine when other
    /// processes hold a core, so this is a safeguard, not a measured cure.
    /// </summary>
    private static void PinThreads()
    {
        try { torch.set_num_threads(torch.get_num_threads()); }
        catch (Exception e) when (IsNativeLoadFailure(e)) { _torchUnavailable = true; }
        _threadsPinned = true;
    }

    /// <summary>Whether a transform of length n goes to libtorch (false once libtorch failed to load).</summary>
    internal static bool UsesNative(int n) => UseTorch(n);

    /// <summary>Runs <paramref name="native"/>; returns false (and remembers it) when libtorch cannot be loaded.</summary>
    internal static bool TryNative(Action native)
    {
        if (_torchUnavailable) return false;
        try { native(); return true; }
        catch (Exception e) when (IsNativeLoadFailure(e)) { _torchUnavailable = true; return false; }
    }

    /// <summary>rfft(x, n): x is truncated or zero-padded to n samples. Returns 2·(n/2+1) doubles.</summary>
    public static double[] Forward(ReadOnlySpan<double> x, int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), "FFT length must be positive");
        if (UseTorch(n))
        {
            try { return TorchForward(x, n); }
            catch (Exception e) when (IsNativeLoadFailure(e)) { _torchUnavailable = true; }
        }
        var packed = new double[PackedLength(n)];
        if (PowerOfTwoFft.Supports(n))
        {
            PowerOfTwoFft.Forward(x, n, packed);
            return packed;
        }
        // MathNet transforms in place in an array of n+2 (even n) or n+1 (odd n) = PackedLength(n).
        x[..Math.Min(x.Length, n)].CopyTo(packed);
        Fourier.ForwardReal(packed, n, FourierOptions.AsymmetricScaling);
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
        if (UseTorch(n))
        {
            try { return TorchInverse(buffer, n); }
            catch (Exception e) when (IsNativeLoadFailure(e)) { _torchUnavailable = true; }
        }
        if (PowerOfTwoFft.Supports(n))
        {
            var result = new double[n];
            PowerOfTwoFft.Inverse(buffer, n, result);
            return result;
        }
        Fourier.InverseReal(buffer, n, FourierOptions.AsymmetricScaling);
        return n == buffer.Length ? buffer : buffer[..n];
    }

    /// <summary>True (and libtorch is not tried again) when <paramref name="e"/> says libtorch cannot be loaded.</summary>
    internal static bool DisableNativeOnLoadFailure(Exception e)
    {
        if (!IsNativeLoadFailure(e)) return false;
        _torchUnavailable = true;
        return true;
    }

    private static bool IsNativeLoadFailure(Exception e) =>
        e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or BadImageFormatException;

    /// <summary>
    /// For each of the <paramref name="rows"/> rows of length n at the start of <paramref name="blocks"/> (row-major;
    /// the array may be longer), in place:
    /// irfft(rfft(row) · spectrum, n), the circular convolution used by overlap-add filtering. One libtorch call
    /// covers all rows of a long signal; shorter ones loop over <see cref="Forward"/> and <see cref="Inverse"/>.
    /// </summary>
    public static void ConvolveRows(double[] blocks, int rows, int n, ReadOnlySpan<double> spectrum)
    {
        if (blocks.Length < (long)rows * n) throw new ArgumentException("blocks must hold rows × n values", nameof(blocks));
        if (spectrum.Length != PackedLength(n)) throw new ArgumentException("spectrum must hold n/2+1 complex bins", nameof(spectrum));
        if (n >= NativeThreshold && !_torchUnavailable)
        {
            try
            {
                using var scope = torch.NewDisposeScope();
                var x = torch.tensor(blocks, torch.float64).narrow(0, 0, (long)rows * n).view(rows, n); // wraps, no copy
                // torch.tensor wraps the managed array (8-byte aligned); complex kernels need libtorch's own aligned storage.
                var h = torch.view_as_complex(torch.tensor(spectrum.ToArray(), new long[] { spectrum.Length / 2, 2 }, torch.float64).clone());
                var y = torch.fft.irfft(torch.fft.rfft(x, dim: -1) * h, n, dim: -1).contiguous(); // [rows, n]
                System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(y.bytes).CopyTo(blocks.AsSpan(0, rows * n));
                return;
            }
            catch (Exception e) when (IsNativeLoadFailure(e)) { _torchUnavailable = true; }
        }
        for (int r = 0; r < rows; r++)
        {
            var row = blocks.AsSpan(r * n, n);
            double[] product = Forward(row, n);
            for (int i = 0; i < product.Length; i += 2)
            {
                double re = product[i] * spectrum[i] - product[i + 1] * spectrum[i + 1];
                double im = product[i] * spectrum[i + 1] + product[i + 1] * spectrum[i];
                product[i] = re;
                product[i + 1] = im;
            }
            Inverse(product, n).CopyTo(row);
        }
    }

    private static double[] TorchForward(ReadOnlySpan<double> x, int n)
    {
        var input = new double[n];
        x[..Math.Min(x.Length, n)].CopyTo(input);
        using var scope = torch.NewDisposeScope();
        var signal = torch.tensor(input, torch.float64);
        var spectrum = torch.view_as_real(torch.fft.rfft(signal)).contiguous(); // [n/2+1, 2]
        return CopyOut(spectrum, PackedLength(n));
    }

    private static double[] TorchInverse(double[] packed, int n)
    {
        using var scope = torch.NewDisposeScope();
        // clone: complex kernels need libtorch's aligned storage, not the wrapped managed array.
        var pairs = torch.tensor(packed, new long[] { packed.Length / 2, 2 }, torch.float64).clone();
        var signal = torch.fft.irfft(torch.view_as_complex(pairs), n); // [n], scaled by 1/n ("backward" norm)
        return CopyOut(signal.contiguous(), n);
    }

    /// <summary>Copies a contiguous float64 tensor out in one block (TensorAccessor.ToArray goes element by element).</summary>
    private static double[] CopyOut(torch.Tensor t, int count)
    {
        if (t.numel() != count) throw new InvalidOperationException($"FFT returned {t.numel()} values, expected {count}");
        var result = new double[count];
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(t.bytes).CopyTo(result);
        return result;
    }
}
