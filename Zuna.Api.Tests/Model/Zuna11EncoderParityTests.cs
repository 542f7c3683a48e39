using Xunit.Abstractions;
using Zuna.Engine.Inference;
using Zuna.Engine.Weights;
using static TorchSharp.torch;

namespace Zuna.Api.Tests.Model;

/// <summary>
/// ZUNA1.1 tokenisation (100 bins, time-major tokens, token mask), RoPE table of 256 and encoder latents against the
/// original 1.1 code's outputs, every model case of fixtures/zuna11 (30-s and 32-s windows included).
/// </summary>
public sealed class Zuna11EncoderParityTests(ITestOutputHelper output)
{
    private const double LatentTolerance = 5e-5;   // fixtures/zuna11/README.md: suggested fp32 acceptance

    public static TheoryData<string> AllCases() => new(FixtureSet.Zuna11Cases);

    [Theory, MemberData(nameof(AllCases))]
    public void Tokenisation_is_bit_identical(string caseName)
    {
        var f = FixtureSet.Get(FixtureSet.Zuna11);
        var engine = f.Engine();
        Assert.Equal(ModelGeneration.Zuna11, engine.Generation);
        var batch = f.Batch(caseName);
        var layout = engine.Layout;
        Assert.Equal((100, true), (layout.PositionBins, layout.TimeMajor));
        Assert.Equal(f.I64($"{caseName}.chan_pos_discrete"), Tokenizer.DiscretizePositions(batch.ChannelPositions, layout.PositionBins));
        Assert.Equal(f.I64($"{caseName}.tok_idx"), engine.TokenIndex(batch));
        Assert.Equal(f.I64($"{caseName}.chan_id"), Tokenizer.ChannelIndex(batch.ChannelCount, batch.EpochSamples, layout));
        Assert.Equal(f.F32($"{caseName}.x_in"), Tokenizer.ScaleAndClip(batch.Signals, 10f));

        float[] tokens, unmasked;
        lock (engine)
        {
            using var scope = NewDisposeScope();
            tokens = Compare.ToArray(engine.Tokens(batch, 10f).Tokens);
            unmasked = Compare.ToArray(engine.Tokens(batch with { TokenMask = null }, 10f).Tokens);
        }
        Assert.Equal(f.F32($"{caseName}.tokens"), tokens);          // masked tokens exactly 0
        Assert.Equal(f.F32($"{caseName}.eeg_signal"), unmasked);    // time-major patches before masking
    }

    [Fact]
    public void The_masked_case_masks_81_tokens_and_they_change_the_latents()
    {
        var f = FixtureSet.Get(FixtureSet.Zuna11);
        var batch = f.Batch("c12_mask");
        Assert.Equal(81, batch.TokenMask!.Count(m => m));
        Assert.Null(f.Batch("c12").TokenMask);
        // The same signals as c12: only the mask differs, so the mask alone must move the latents to the golden ones.
        Assert.Equal(f.F32("c12.x_zscored"), batch.Signals);
        Assert.NotEqual(f.F32("c12.latents"), f.F32("c12_mask.latents"));
    }

    [Theory, MemberData(nameof(AllCases))]
    public void Encoder_latents_match(string caseName)
    {
        var f = FixtureSet.Get(FixtureSet.Zuna11);
        var engine = f.Engine();
        float[] latents;
        lock (engine) latents = engine.Embed(f.Batch(caseName));
        double diff = Compare.Close($"zuna11/{caseName} latents", latents, f.F32($"{caseName}.latents"), LatentTolerance);
        output.WriteLine($"zuna11/{caseName}: latents max abs diff {diff:E2}");
    }

    [Fact]
    public void A_token_mask_of_the_wrong_length_is_an_option_error()
    {
        var f = FixtureSet.Get(FixtureSet.Zuna11);
        var engine = f.Engine();
        var batch = f.Batch("c12") with { TokenMask = new bool[479] };
        lock (engine) Assert.Throws<Zuna.Engine.InvalidOptionException>(() => engine.Embed(batch));
    }

    [Fact]
    public void Rope_table_has_256_rows_and_matches()
    {
        var f = FixtureSet.Get(FixtureSet.Zuna11);
        var config = f.Engine().Config;
        Assert.Equal(256, config.MaxSeqLen);
        Assert.Equal(8192, f.Engine().MaxEpochSamples);
        ParityChecks.RopeTables(f, f.Engine(), "c12");
    }

    [Fact]
    public void Longer_than_32_s_is_refused_by_the_model()
    {
        var f = FixtureSet.Get(FixtureSet.Zuna11);
        var engine = f.Engine();
        var batch = new EpochBatch(new float[2 * 8224], 1, 2, 8224, f.F32("c2_32s.chan_pos"));
        lock (engine)
        {
            var e = Assert.Throws<Zuna.Engine.InvalidRecordingException>(() => engine.Embed(batch));
            Assert.Contains("8192", e.Message);
        }
    }
}
