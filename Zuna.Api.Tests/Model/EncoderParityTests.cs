using Xunit.Abstractions;
using Zuna.Engine.Inference;

namespace Zuna.Api.Tests.Model;

/// <summary>Tokenisation, RoPE tables and encoder latents against the original Zyphra code's outputs, every case of tiny and mid.</summary>
public sealed class EncoderParityTests(ITestOutputHelper output)
{
    private const double LatentTolerance = 2e-5;

    public static TheoryData<string, string> AllCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var set in FixtureSet.Sets) foreach (var c in FixtureSet.Cases) data.Add(set, c);
        return data;
    }

    [Theory, MemberData(nameof(AllCases))]
    public void Tokenisation_is_bit_identical(string set, string caseName)
    {
        var f = FixtureSet.Get(set);
        var batch = f.Batch(caseName);
        Assert.Equal(f.I64($"{caseName}.chan_pos_discrete"), Tokenizer.DiscretizePositions(batch.ChannelPositions));
        Assert.Equal(f.I64($"{caseName}.tok_idx"), Tokenizer.TokenIndex(batch.ChannelPositions, batch.ChannelCount, batch.EpochSamples));
        var scaled = Tokenizer.ScaleAndClip(batch.Signals, 10f);
        Assert.Equal(f.F32($"{caseName}.x_in"), scaled);
        // Channel-major patches: [C, T] row-major already is [S, 32].
        Assert.Equal(f.F32($"{caseName}.tokens"), scaled);
        Assert.Equal(new long[] { batch.TokenCount, 32 }, f.Shape($"{caseName}.tokens"));
    }

    [Theory, MemberData(nameof(AllCases))]
    public void Encoder_latents_match(string set, string caseName)
    {
        var f = FixtureSet.Get(set);
        var engine = f.Engine();
        float[] latents;
        lock (engine) latents = engine.Embed(f.Batch(caseName));
        double diff = Compare.Close($"{set}/{caseName} latents", latents, f.F32($"{caseName}.latents"), LatentTolerance);
        output.WriteLine($"{set}/{caseName}: latents max abs diff {diff:E2}");
    }

    [Theory, InlineData("tiny"), InlineData("mid")]
    public void Rope_table_matches(string set)
    {
        var f = FixtureSet.Get(set);
        ParityChecks.RopeTables(f, f.Engine(), "c3");   // per-token decoder angles: debug tensors of c3
    }
}
