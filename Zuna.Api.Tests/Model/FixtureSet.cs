using System.Collections.Concurrent;
using Zuna.Engine.Inference;
using Zuna.Engine.SafeTensors;
using static TorchSharp.torch;

namespace Zuna.Api.Tests.Model;

/// <summary>
/// One golden fixture set (fixtures/tiny, fixtures/mid: ZUNA 1.0; fixtures/zuna11: ZUNA1.1): the random model loaded through the real loader,
/// and the reference tensors of every case (outputs of the original Zyphra code, see fixtures/README.md).
/// Engines are cached per (set, dtype) because TorchSharp modules are cheap to share read-only.
/// </summary>
public sealed class FixtureSet : IDisposable
{
    public static readonly string[] Sets = ["tiny", "mid"];
    public static readonly string[] Cases = ["c12", "c12_drop2", "c3", "c3_clip"];
    /// <summary>The ZUNA1.1 set and its model cases (fixtures/zuna11/README.md).</summary>
    public const string Zuna11 = "zuna11";
    public static readonly string[] Zuna11Cases = ["c12", "c12_mask", "c4_30s", "c2_32s"];

    private static readonly ConcurrentDictionary<string, FixtureSet> Cache = new();

    public string Name { get; }
    public string Directory { get; }
    public SafeTensorsFile Golden { get; }
    private readonly ConcurrentDictionary<string, ZunaEngine> _engines = new();

    private FixtureSet(string name)
    {
        Name = name;
        Directory = SharedData.Path($"fixtures/{name}");
        Golden = SafeTensorsFile.Open(Path.Combine(Directory, "cases.safetensors"));
    }

    public static FixtureSet Get(string name) => Cache.GetOrAdd(name, n => new FixtureSet(n));

    /// <summary>
    /// The engine of this set; one per dtype, loaded once, used under a lock by the tests (engines are not thread-safe).
    /// On the CPU unless $ZUNA_TEST_DEVICE names another device (bench/gpu/run.sh runs the end-to-end parity tests on cuda).
    /// </summary>
    public ZunaEngine Engine(string dtype = "float32") => _engines.GetOrAdd(dtype, d => ZunaEngine.Load(Directory, TestDevice, d));

    private static string TestDevice => Environment.GetEnvironmentVariable("ZUNA_TEST_DEVICE") is { Length: > 0 } device ? device : "cpu";

    public float[] F32(string name) => Golden.ReadFloat32(name);
    public long[] I64(string name) => Golden.ReadInt64(name);
    public long[] Shape(string name) => Golden.Entry(name).Shape;
    public bool Has(string name) => Golden.Tensors.ContainsKey(name);

    public Tensor Tensor(string name) => tensor(F32(name), Shape(name));

    /// <summary>
    /// A case's preprocessed epoch as a one-epoch batch (z-units, positions in metres), with the case's token mask
    /// (U8 [S], model token order) when it masks anything.
    /// </summary>
    public EpochBatch Batch(string caseName)
    {
        var shape = Shape($"{caseName}.x_zscored");
        var batch = new EpochBatch(F32($"{caseName}.x_zscored"), 1, (int)shape[0], (int)shape[1], F32($"{caseName}.chan_pos"));
        if (!Has($"{caseName}.token_mask")) return batch;
        var mask = Golden.Bytes($"{caseName}.token_mask").ToArray().Select(b => b != 0).ToArray();
        return mask.Any(m => m) ? batch with { TokenMask = mask } : batch;
    }

    public void Dispose()
    {
        foreach (var e in _engines.Values) e.Dispose();
        Golden.Dispose();
    }
}

internal static class Compare
{
    public static double MaxAbsDiff(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double d = Math.Abs((double)actual[i] - expected[i]);
            if (double.IsNaN(d)) return double.PositiveInfinity;
            max = Math.Max(max, d);
        }
        return max;
    }

    public static double MaxAbs(ReadOnlySpan<float> values)
    {
        double max = 0;
        foreach (var v in values) max = Math.Max(max, Math.Abs(v));
        return max;
    }

    public static float[] ToArray(Tensor t) => t.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();

    /// <summary>Asserts max|actual − expected| ≤ tolerance and returns the difference (for the test output).</summary>
    public static double Close(string what, ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double tolerance)
    {
        double diff = MaxAbsDiff(actual, expected);
        Assert.True(diff <= tolerance, $"{what}: max abs diff {diff:E2} > {tolerance:E1} (max |golden| {MaxAbs(expected):G4})");
        return diff;
    }
}
