using System.Globalization;

namespace Zuna.Engine.Inference;

/// <summary>
/// The compute dtype a model runs in and why: asked for explicitly, or picked by <see cref="DtypeAuto"/> from the
/// matmul rates it measured on this device (or read back from its per-machine cache).
/// </summary>
public sealed record DtypeChoice(string Dtype, string Reason)
{
    /// <summary>An explicit float32 / bfloat16 request: no probe, the request wins.</summary>
    public static DtypeChoice Requested(string dtype) => new(dtype, "requested");

    /// <summary>"auto": the faster of the two measured rates, bfloat16 only with a clear margin.</summary>
    /// <param name="contendedShare">Set when the probe got only this share of a core: the verdict holds for this run only.</param>
    public static DtypeChoice FromRates(DtypeRates rates, bool fromCache, double? contendedShare = null)
    {
        bool bf16 = rates.Bfloat16Gflops >= DtypeAuto.RequiredSpeedup * rates.Float32Gflops;
        string verdict = bf16 ? "bfloat16 beats float32" : rates.Bfloat16Gflops > 0 ? "bfloat16 not clearly faster" : "bfloat16 unusable here";
        string reason = string.Create(CultureInfo.InvariantCulture,
            $"auto: {verdict} (matmul per core float32 {rates.Float32Gflops:F0} GFLOP/s, bfloat16 {rates.Bfloat16Gflops:F0} GFLOP/s, {(fromCache ? "cached" : "probed now")}{(contendedShare is { } share ? $"; the probe got {share:P0} of a core, so it is not cached and runs again at the next start" : "")})");
        return new(bf16 ? "bfloat16" : "float32", reason);
    }
}

/// <summary>Best GEMM rates of the start-up probe in GFLOP/s per core (CUDA: per device; 0 where bfloat16 failed to run).</summary>
public readonly record struct DtypeRates(double Float32Gflops, double Bfloat16Gflops);
