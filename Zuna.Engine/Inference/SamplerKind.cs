namespace Zuna.Engine.Inference;

/// <summary>
/// ODE solver of the rectified-flow sampler. All walk the same uniform grid t = 1, 1−1/N, …, 0 in N steps;
/// they differ in decoder evaluations (NFE) per step and in order of accuracy.
/// </summary>
public enum SamplerKind
{
    /// <summary>Explicit Euler, 1st order, NFE = N. The original's sampler and the default.</summary>
    Euler,
    /// <summary>Heun (explicit trapezoid, EDM style): Euler predictor + corrector, except on the last step; 2nd order, NFE = 2N−1.</summary>
    Heun,
    /// <summary>Explicit midpoint: one half step, then the full step with the midpoint velocity; 2nd order, NFE = 2N.</summary>
    Midpoint,
    /// <summary>DPM-Solver++(2M) in data prediction (α = 1−t, σ = t): multistep, 2nd order, NFE = N; first-order (= Euler) on the first and last step.</summary>
    Dpm2m,
}

/// <summary>Names on the command line and HTTP form (lower case) and the evaluation count per step count.</summary>
public static class SamplerKinds
{
    /// <summary>The accepted names, in <see cref="SamplerKind"/> order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["euler", "heun", "midpoint", "dpm2m"];

    public static string Name(this SamplerKind kind) => Names[(int)kind];

    /// <summary>Parses a sampler name (case-insensitive); unknown names are an <see cref="InvalidOptionException"/>.</summary>
    public static SamplerKind Parse(string name)
    {
        for (int i = 0; i < Names.Count; i++)
            if (string.Equals(Names[i], name.Trim(), StringComparison.OrdinalIgnoreCase)) return (SamplerKind)i;
        throw new InvalidOptionException($"sampler must be one of {string.Join(", ", Names)} (got '{name}').");
    }

    /// <summary>Decoder evaluations for <paramref name="steps"/> steps (with cfg ≠ 1 each is one batch of 2B rows).</summary>
    public static int Evaluations(this SamplerKind kind, int steps) => kind switch
    {
        SamplerKind.Heun => 2 * steps - 1,
        SamplerKind.Midpoint => 2 * steps,
        _ => steps,
    };
}
