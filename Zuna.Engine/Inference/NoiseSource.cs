using static TorchSharp.torch;

namespace Zuna.Engine.Inference;

/// <summary>
/// Initial diffusion noise per epoch from a generator seeded by (seed, epoch index) alone, so an epoch gets the
/// same draws whether it runs alone or in any batch, in any order. Drawn on the CPU, so the draws do not
/// depend on the device either.
/// </summary>
public static class NoiseSource
{
    /// <summary>Standard-normal draws [tokens, width] float32 for one epoch (CPU tensor).</summary>
    public static Tensor Draw(NoiseKey key, int tokens, int width)
    {
        using var generator = new Generator(SeedFor(key));
        return randn([tokens, width], ScalarType.Float32, CPU, requires_grad: false, generator: generator);
    }

    /// <summary>[B, tokens, width]: one independent stream per key.</summary>
    public static Tensor Draw(IReadOnlyList<NoiseKey> keys, int tokens, int width)
    {
        using var scope = NewDisposeScope();
        var parts = keys.Select(k => Draw(k, tokens, width)).ToArray();
        return stack(parts, 0).MoveToOuterDisposeScope();
    }

    /// <summary>SplitMix64 finaliser applied to the seed, then to (mixed seed + epoch index): nearby keys give unrelated seeds.</summary>
    public static ulong SeedFor(NoiseKey key) => Mix(unchecked(Mix((ulong)key.Seed) + (ulong)(uint)key.EpochIndex));

    private static ulong Mix(ulong x)
    {
        x = unchecked(x + 0x9E3779B97F4A7C15UL);
        x = unchecked((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL);
        x = unchecked((x ^ (x >> 27)) * 0x94D049BB133111EBUL);
        return x ^ (x >> 31);
    }
}
