using Zuna.Api.Tests.Model;
using Zuna.Engine.Input;
using Zuna.Engine.Repair;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Repair;

/// <summary>
/// The whole repair pipeline with the ZUNA1.1 fixture model against the original reconstruct_fif, given the
/// fixtures' per-window noise through an --init-noise file (eps.0, eps.1, …): full reconstruction and hybrid within
/// the README tolerances, mask and annotations exact. Runs once the engine loads 1.1 checkpoints.
/// </summary>
public sealed class RepairEndToEndTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("zuna-repair-e2e-").FullName;

    [Zuna11ModelFact]
    public void FifAMatchesTheOriginal() => Check("fifA");

    [Zuna11ModelFact]
    public void FifBMatchesTheOriginal() => Check("fifB");

    [Zuna11ModelFact]
    public void FifCMatchesTheOriginal() => Check("fifC");

    private void Check(string name)
    {
        var f = RepairFixture.Get(name);
        var warnings = new List<string>();
        var plan = RepairPipeline.Plan(RecordingLoader.Default, RecordingSource.FromFile(f.InputPath), f.Options, warnings);
        string noisePath = Path.Combine(_dir, $"{name}_noise.safetensors");
        var writer = new SafeTensorsWriter();
        foreach (var w in plan.Windows) writer.Add($"eps.{w.Index}", f.F32($"seg{w.Index}.eps"), w.TokenCount, 32);
        writer.Write(noisePath);

        RepairResult result;
        using (var noiseFile = SafeTensorsFile.Open(noisePath))
        lock (Zuna11ModelFactAttribute.Lock)
            result = RepairPipeline.Run(Zuna11ModelFactAttribute.Engine, plan, RepairNoise.FromFile(noiseFile, plan));

        Assert.Equal(f.U8("mask"), result.Mask);
        var expected = f.Meta.GetProperty("output_annotations").EnumerateArray()
            .Select(a => (a.GetProperty("onset").GetDouble(), a.GetProperty("duration").GetDouble(),
                string.Join(",", a.GetProperty("ch_names").EnumerateArray().Select(e => e.GetString())))).ToList();
        Assert.Equal(expected, result.Annotations.Select(a => (a.Onset, a.Duration, string.Join(",", a.ChannelNames))));
        foreach (var (tensor, actual, factor) in new[] { ("full_reconstruction", result.Full, 1.0), ("hybrid", result.Hybrid, 2.0) })
        {
            var golden = f.F32(tensor);
            int n = result.SampleCount;
            foreach (var w in plan.Windows)
                for (int c = 0; c < w.ChannelCount; c++)
                {
                    double tolerance = factor * 5e-5 * 10 * w.Std[c];
                    var diff = Compare.MaxAbsDiff(actual.AsSpan(c * n + w.Start, w.Samples), golden.AsSpan(c * n + w.Start, w.Samples));
                    Assert.True(diff <= tolerance, $"{name} {tensor} window {w.Index} channel {c}: {diff:E2} > {tolerance:E2}");
                }
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
