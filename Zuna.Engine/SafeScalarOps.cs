using TorchSharp;
using static TorchSharp.torch;

namespace Zuna.Engine;

/// <summary>
/// Tensor arithmetic with scalars whose lifetime we control. TorchSharp turns every number (and the implicit
/// alpha = 1 of add/sub) into a <see cref="Scalar"/> that only a finalizer frees, and hands its raw handle to
/// libtorch without keeping the managed object alive. A GC triggered by another thread (uploads are parsed
/// while the model runs) can free it mid-call: the service then failed under load with libtorch's
/// "Expected false to be true ... toFloat". Here the alpha is a process-lifetime static and every other
/// scalar is disposed only after the native call has returned.
/// </summary>
public static class SafeScalarOps
{
    private static readonly Scalar One = 1.ToScalar();

    /// <summary>a + b.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary>a += b.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, One);

    /// <summary>a − b (TorchSharp's sub of two tensors passes no Scalar; kept beside Plus for symmetry).</summary>
    public static Tensor Minus(this Tensor a, Tensor b) => a.sub(b);

    /// <summary>a −= b.</summary>
    public static Tensor MinusInPlace(this Tensor a, Tensor b) => a.sub_(b);

    /// <summary>a · value (value rounded to float32 first, as torch does for a float32 tensor).</summary>
    public static Tensor Times(this Tensor a, float value)
    {
        using var s = value.ToScalar();
        return a.mul(s);
    }

    /// <summary>a · value for float64 or complex tensors.</summary>
    public static Tensor Times(this Tensor a, double value)
    {
        using var s = value.ToScalar();
        return a.mul(s);
    }

    /// <summary>a ·= value.</summary>
    public static Tensor TimesInPlace(this Tensor a, double value)
    {
        using var s = value.ToScalar();
        return a.mul_(s);
    }

    /// <summary>a += value.</summary>
    public static Tensor PlusInPlace(this Tensor a, double value)
    {
        using var s = value.ToScalar();
        return a.add_(s, One);
    }

    /// <summary>A tensor of <paramref name="shape"/> filled with <paramref name="value"/>.</summary>
    public static Tensor Full(long[] shape, float value, ScalarType dtype, Device device)
    {
        using var s = value.ToScalar();
        return full(shape, s, dtype, device);
    }
}
