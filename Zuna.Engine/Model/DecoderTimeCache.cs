using static TorchSharp.torch;

namespace Zuna.Engine.Model;

/// <summary>
/// The decoder's time conditioning (time embedding and all AdaRMSNorm scales) per diffusion time t, kept for the
/// model's lifetime: a sampler visits the same grid of t for every request with the same steps and solver, so each
/// state is computed once, not once per step of every request. The values are those of
/// <see cref="Decoder.TimeState(float)"/> (same operations), so outputs stay bit-identical.
/// Not thread-safe, like the engine that owns it: one inference thread calls it.
/// </summary>
public sealed class DecoderTimeCache(Func<float, DecoderTimeState> compute, int capacity = DecoderTimeCache.DefaultCapacity) : IDisposable
{
    /// <summary>
    /// States kept before the cache starts over: enough for a 64-step midpoint schedule (2 times per step), while the full-size
    /// model's 65 scales of 1024 floats (≈ 0.27 MB per t) stay below ≈ 35 MB.
    /// </summary>
    public const int DefaultCapacity = 128;

    private readonly Dictionary<float, DecoderTimeState> _states = [];

    /// <summary>Distinct times held now.</summary>
    public int Count => _states.Count;

    /// <summary>The state for <paramref name="t"/>, owned by the cache (callers must not dispose it).</summary>
    public DecoderTimeState Get(float t)
    {
        if (_states.TryGetValue(t, out var state)) return state;
        if (_states.Count >= capacity) Clear();   // a schedule longer than the capacity: recompute rather than grow without bound
        using (var scope = NewDisposeScope())
        {
            state = compute(t);
            state.DetachFromDisposeScope();
        }
        _states[t] = state;
        return state;
    }

    public void Clear()
    {
        foreach (var state in _states.Values) state.Dispose();
        _states.Clear();
    }

    public void Dispose() => Clear();
}
