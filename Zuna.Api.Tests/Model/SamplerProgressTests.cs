using Zuna.Engine.Inference;

namespace Zuna.Api.Tests.Model;

/// <summary>Progress counts solver steps and decoder evaluations (NFE), which differ for the second-order solvers.</summary>
public sealed class SamplerProgressTests
{
    [Theory]
    [InlineData(SamplerKind.Euler, 4, new[] { 1, 2, 3, 4 })]
    [InlineData(SamplerKind.Heun, 4, new[] { 2, 4, 6, 7 })]        // the last step into t = 0 is plain Euler
    [InlineData(SamplerKind.Midpoint, 3, new[] { 2, 4, 6 })]
    [InlineData(SamplerKind.Dpm2m, 3, new[] { 1, 2, 3 })]
    public void Every_step_reports_the_evaluations_done_so_far(SamplerKind kind, int steps, int[] evaluations)
    {
        var f = FixtureSet.Get("tiny");
        var engine = f.Engine();
        var seen = new List<SamplerProgress>();
        lock (engine) engine.Reconstruct(f.Batch("c3"), new SamplerOptions { Steps = steps, Sampler = kind }, [new NoiseKey(1, 0)], progress: new Sink(seen));
        int total = kind.Evaluations(steps);
        Assert.Equal(evaluations.Select((e, i) => new SamplerProgress(i + 1, steps, e, total)), seen);
        Assert.Equal($"step {steps}/{steps}, NFE {total}/{total}", seen[^1].ToString());
    }

    private sealed class Sink(List<SamplerProgress> seen) : IProgress<SamplerProgress>
    {
        public void Report(SamplerProgress value) => seen.Add(value);
    }
}
