using Zuna.Engine.SafeTensors;

namespace Zuna.Engine.Repair;

/// <summary>
/// The sampler's starting noise per window (z0 = 0.1·eps). Either given (a safetensors file with eps.0, eps.1, … of
/// shape [S_window, 32] in the original's time-major token order, as the fixtures store it) or drawn from
/// (seed, window index), so a window's noise never depends on how windows are batched.
/// </summary>
public sealed class RepairNoise
{
    private readonly IReadOnlyDictionary<int, float[]>? _given;

    private RepairNoise(long seed, IReadOnlyDictionary<int, float[]>? given) => (Seed, _given) = (seed, given);

    public long Seed { get; }
    public bool IsGiven => _given is not null;

    public static RepairNoise FromSeed(long seed) => new(seed, null);

    /// <summary>Reads eps.k for every window of <paramref name="plan"/>, each checked against the window's token count.</summary>
    public static RepairNoise FromFile(SafeTensorsFile file, RepairPlan plan)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(plan);
        var given = new Dictionary<int, float[]>();
        foreach (var w in plan.Windows)
        {
            string name = $"eps.{w.Index}";
            if (!file.Tensors.TryGetValue(name, out var entry))
                throw new InvalidOptionException($"the noise file has no tensor '{name}' (window {w.Index} of {plan.Windows.Count}, [{w.TokenCount}, 32]).");
            if (entry.Dtype != "F32" || entry.Shape.Length != 2 || entry.Shape[0] != w.TokenCount || entry.Shape[1] != RepairMask.TokenSamples)
                throw new InvalidOptionException($"noise tensor '{name}' is {entry.Dtype} [{string.Join(", ", entry.Shape)}], expected F32 [{w.TokenCount}, 32].");
            given[w.Index] = file.ReadFloat32(name);
        }
        return new RepairNoise(0, given);
    }

    /// <summary>The given noise of a window, [S, 32] time-major; null when the noise is drawn from the seed.</summary>
    public float[]? For(RepairWindow window) => _given?[window.Index];
}
