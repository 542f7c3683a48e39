using Xunit.Abstractions;
using Zuna.Engine.Inference;
using static TorchSharp.torch;

namespace Zuna.Api.Tests.Model;

/// <summary>Decoder velocity, sampler trajectory and reconstruction against the original Zyphra code, every case of tiny and mid.</summary>
public sealed class DecoderParityTests(ITestOutputHelper output)
{
    private const double VelocityTolerance = 2e-5;   // values O(1)
    private const double StateTolerance = 2e-5;
    private const double ReconTolerance = 2e-4;      // ×10 units

    public static TheoryData<string, string> AllCases() => EncoderParityTests.AllCases();

    [Theory, MemberData(nameof(AllCases))]
    public void One_decoder_step_matches_conditional_and_unconditional(string set, string caseName)
    {
        var f = FixtureSet.Get(set);
        var (dc, du) = ParityChecks.DecoderStep(f, f.Engine(), caseName, VelocityTolerance);
        output.WriteLine($"{set}/{caseName}: v_cond {dc:E2}, v_uncond {du:E2}");
    }

    [Theory, MemberData(nameof(AllCases))]
    public void Sampler_matches_step_by_step_from_the_golden_latents(string set, string caseName)
    {
        var f = FixtureSet.Get(set);
        foreach (var (run, options) in new[] { ("s4_cfg1", new SamplerOptions { Steps = 4, Cfg = 1f }), ("s3_cfg2", new SamplerOptions { Steps = 3, Cfg = 2f }) })
        {
            var (ds, df) = ParityChecks.SamplerRun(f, f.Engine(), caseName, run, options, StateTolerance);
            output.WriteLine($"{set}/{caseName} {run}: z_steps {ds:E2}, z_final {df:E2}");
        }
    }

    [Theory, MemberData(nameof(AllCases))]
    public void Reconstruct_end_to_end_matches_with_the_given_noise(string set, string caseName)
    {
        var f = FixtureSet.Get(set);
        var engine = f.Engine();
        var batch = f.Batch(caseName);
        foreach (var (run, options) in new[] { ("s4_cfg1", new SamplerOptions { Steps = 4, Cfg = 1f }), ("s3_cfg2", new SamplerOptions { Steps = 3, Cfg = 2f }) })
        {
            var progress = new List<SamplerProgress>();
            float[] recon;
            float[] latents;
            lock (engine)
            {
                recon = engine.Reconstruct(batch, options, [], f.F32($"{caseName}.sample.eps"), new SyncProgress(progress));
                latents = engine.Embed(batch, options.DataNorm);
            }
            double d = Compare.Close($"{set}/{caseName} {run} recon", recon, f.F32($"{caseName}.{run}.recon"), ReconTolerance);
            Compare.Close($"{set}/{caseName} latents", latents, f.F32($"{caseName}.latents"), VelocityTolerance);
            Assert.Equal(options.Steps, progress.Count);
            Assert.Equal(new SamplerProgress(options.Steps, options.Steps, options.Steps, options.Steps), progress[^1]);   // Euler: one evaluation per step
            output.WriteLine($"{set}/{caseName} {run}: recon {d:E2}");
        }
    }

    [Theory, InlineData("tiny"), InlineData("mid")]
    public void Debug_intermediates_match(string set)
    {
        var f = FixtureSet.Get(set);
        var engine = f.Engine();
        const string c = "c3";
        double Tol(string name) => 5e-5 * Math.Max(1, Compare.MaxAbs(f.F32(name)));
        lock (engine)
        {
            using var mode = inference_mode();
            using var scope = NewDisposeScope();
            var decoder = engine.Network.decoder;
            var encoder = engine.Network.encoder;
            var tokens = f.Tensor($"{c}.tokens").unsqueeze(0);                   // [S, 32] -> [1, S, 32]
            var embed = encoder.Embed(tokens);
            Compare.Close("enc_embed", Compare.ToArray(embed), f.F32($"{c}.dbg.enc_embed"), Tol($"{c}.dbg.enc_embed"));
            var tokIdx = tensor(f.I64($"{c}.tok_idx"), f.Shape($"{c}.tok_idx"));
            using var encRope = engine.EncoderRope(tokIdx);
            var layer0 = encoder.layers[0];
            var normed = layer0.attention_norm.Forward(embed, ScalarType.Float32);
            Compare.Close("enc_l0_attn_norm", Compare.ToArray(normed), f.F32($"{c}.dbg.enc_l0_attn_norm"), Tol($"{c}.dbg.enc_l0_attn_norm"));
            Compare.Close("enc_l0_attn", Compare.ToArray(layer0.attention.Forward(normed, encRope)), f.F32($"{c}.dbg.enc_l0_attn"), Tol($"{c}.dbg.enc_l0_attn"));
            Compare.Close("enc_l0_out", Compare.ToArray(layer0.Forward(embed, encRope, ScalarType.Float32)), f.F32($"{c}.dbg.enc_l0_out"), Tol($"{c}.dbg.enc_l0_out"));

            using var time = decoder.TimeState(0.7f);
            Compare.Close("dec_temb", Compare.ToArray(time.Embedding), f.F32($"{c}.dbg.dec_temb"), Tol($"{c}.dbg.dec_temb"));
            var latents = f.Tensor($"{c}.latents").unsqueeze(0);
            Compare.Close("dec_encproj", Compare.ToArray(decoder.encoder_proj.Forward(latents)), f.F32($"{c}.dbg.dec_encproj"), Tol($"{c}.dbg.dec_encproj"));
            var z = f.Tensor($"{c}.step.z").unsqueeze(0);
            var h = decoder.tok_embeddings.Forward(z);
            Compare.Close("dec_embed", Compare.ToArray(h), f.F32($"{c}.dbg.dec_embed"), Tol($"{c}.dbg.dec_embed"));
            var block = decoder.layers[0];
            var context = decoder.Context(latents);
            Compare.Close("dec_l0_xnorm", Compare.ToArray(block.cross_attention_x_norm.Forward(h, time.Blocks[0].X, ScalarType.Float32)), f.F32($"{c}.dbg.dec_l0_xnorm"), Tol($"{c}.dbg.dec_l0_xnorm"));
            Compare.Close("dec_l0_ynorm", Compare.ToArray(context * time.Blocks[0].Y), f.F32($"{c}.dbg.dec_l0_ynorm"), Tol($"{c}.dbg.dec_l0_ynorm"));
            using var decRope = engine.DecoderRope(tokIdx);
            Compare.Close("dec_l0_out", Compare.ToArray(block.Forward(h, context, time.Blocks[0], decRope, ScalarType.Float32)), f.F32($"{c}.dbg.dec_l0_out"), Tol($"{c}.dbg.dec_l0_out"));
        }
    }

    /// <summary>Records progress synchronously (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SyncProgress(List<SamplerProgress> sink) : IProgress<SamplerProgress>
    {
        public void Report(SamplerProgress value) => sink.Add(value);
    }
}
