using Xunit.Abstractions;
using Zuna.Engine.Inference;

namespace Zuna.Api.Tests.Model;

/// <summary>
/// The second-order solvers on the fixture models: from the same noise, each lands closer to a 200-step Euler
/// reference than Euler does at (about) the same number of decoder evaluations.
/// </summary>
public sealed class SamplerConvergenceTests(ITestOutputHelper output)
{
    // The 200-step reference per fixture set, shared by the three samplers' tests (the costly part).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<float[]>> References = new();

    // Measured (c3, max abs error ×10 units vs 200-step Euler): midpoint beats Euler at NFE 8 and 16 on both sets;
    // on mid, heun and dpm2m beat it at 8 and 16; on tiny at NFE 8 they do not (heun 1.12, dpm2m 0.99 vs Euler 0.81),
    // so only the orderings that hold are asserted.
    [Theory]
    [InlineData("tiny", SamplerKind.Midpoint, 8)]
    [InlineData("mid", SamplerKind.Heun, 8)]
    [InlineData("mid", SamplerKind.Midpoint, 8)]
    [InlineData("mid", SamplerKind.Dpm2m, 8)]
    public void Beats_euler_at_equal_evaluations_against_a_200_step_reference(string set, SamplerKind kind, int fromNfe)
    {
        var f = FixtureSet.Get(set);
        var engine = f.Engine();
        var batch = f.Batch("c3");   // 3 channels keep the 200-step reference cheap
        var eps = f.F32("c3.sample.eps");
        float[] Run(SamplerKind k, int steps)
        {
            lock (engine) return engine.Reconstruct(batch, new SamplerOptions { Steps = steps, Sampler = k }, [], eps);
        }
        var reference = References.GetOrAdd(set, _ => new Lazy<float[]>(() => Run(SamplerKind.Euler, 200))).Value;
        foreach (int nfe in new[] { 8, 16 }.Where(n => n >= fromNfe))
        {
            int steps = kind == SamplerKind.Dpm2m ? nfe : nfe / 2;   // heun: 2N−1 ≤ nfe, midpoint: 2N = nfe
            Assert.True(kind.Evaluations(steps) <= nfe);
            double euler = Compare.MaxAbsDiff(Run(SamplerKind.Euler, nfe), reference);
            double candidate = Compare.MaxAbsDiff(Run(kind, steps), reference);
            output.WriteLine($"{set} NFE {nfe}: euler {euler:E2}, {kind.Name()} ({steps} steps, NFE {kind.Evaluations(steps)}) {candidate:E2}");
            Assert.True(candidate < euler, $"{kind.Name()} {candidate:E2} vs euler {euler:E2} at NFE {nfe}");
        }
    }

    [Fact]
    public void Names_parse_and_count_evaluations()
    {
        Assert.Equal(SamplerKind.Dpm2m, SamplerKinds.Parse("DPM2M"));
        Assert.Equal([50, 99, 100, 50], Enum.GetValues<SamplerKind>().Select(k => k.Evaluations(50)).ToArray());
        Assert.Throws<Zuna.Engine.InvalidOptionException>(() => SamplerKinds.Parse("rk4"));
    }
}
