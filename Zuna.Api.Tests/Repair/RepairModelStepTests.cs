using Zuna.Api.Tests.Model;
using Zuna.Engine.Inference;
using Zuna.Engine.Repair;

namespace Zuna.Api.Tests.Repair;

/// <summary>
/// The model step's adapter with a real (ZUNA 1.0, fixtures/tiny) engine: the pipeline refuses a 1.0 model, and the
/// adapter hands each window's masked z-units and its given time-major noise to the model in the model's own token
/// order, so a batch of windows equals the model called window by window with the noise reordered by hand.
/// </summary>
public sealed class RepairModelStepTests
{
    private static readonly SamplerOptions Sampler = new() { Steps = 2 };

    [Fact]
    public void RepairWithAZuna10ModelIsRefusedNamingTheModelToUse()
    {
        var f = RepairFixture.Get("fifA");
        var engine = FixtureSet.Get("tiny").Engine();
        var e = Assert.Throws<ModelGenerationException>(() => RepairPipeline.Run(engine, f.Plan, RepairNoise.FromSeed(1)));
        Assert.Contains("repair needs a ZUNA1.1 model", e.Message);
        Assert.Contains("Zyphra/ZUNA1.1", e.Message);
    }

    [Fact]
    public void BatchedWindowsWithGivenNoiseEqualSingleCallsWithTheNoiseInTheModelsOrder()
    {
        var f = RepairFixture.Get("fifA");
        var windows = f.Plan.Batches()[0];      // the two full 5-s windows
        Assert.Equal(2, windows.Count);
        var noise = Noise(f);
        var engine = FixtureSet.Get("tiny").Engine();
        lock (engine)
        {
            var batched = RepairModelStep.Run(engine, windows, f.Prepared.Positions, noise, Sampler);
            foreach (var (w, output) in windows.Zip(batched))
            {
                var eps = RepairTokens.ToChannelMajor(f.F32($"seg{w.Index}.eps"), w.ChannelCount, w.TokensPerChannel);
                var single = engine.Reconstruct(new EpochBatch(w.MaskedInput(), 1, w.ChannelCount, w.Samples, f.Prepared.Positions),
                    Sampler, [new NoiseKey(0, w.Index)], eps);
                Compare.Close($"window {w.Index}", output, single, 1e-5);
            }
        }
    }

    [Fact]
    public void MaskedCellsReachTheModelAsZerosAndTheRestUnchanged()
    {
        var w = RepairFixture.Get("fifA").Plan.Windows[0];
        var input = w.MaskedInput();
        int tc = w.TokensPerChannel, zeroed = 0;
        for (int c = 0; c < w.ChannelCount; c++)
        for (int t = 0; t < w.Samples; t++)
        {
            float value = input[c * w.Samples + t];
            if (w.TokenMask[c * tc + t / 32]) { Assert.Equal(0f, value); zeroed++; }
            else Assert.Equal(w.ZScored[c * w.Samples + t], value);
        }
        Assert.Equal(110 * 32, zeroed);   // fixture: 110 masked tokens in window 0
    }

    private static RepairNoise Noise(RepairFixture f)
    {
        var writer = new Zuna.Engine.SafeTensors.SafeTensorsWriter();
        foreach (var w in f.Plan.Windows) writer.Add($"eps.{w.Index}", f.F32($"seg{w.Index}.eps"), w.TokenCount, 32);
        var file = Zuna.Engine.SafeTensors.SafeTensorsFile.FromBytes(writer.ToArray());
        return RepairNoise.FromFile(file, f.Plan);
    }
}
