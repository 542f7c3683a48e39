using Xunit.Abstractions;
using Zuna.Engine.Inference;
using static TorchSharp.torch;

namespace Zuna.Api.Tests.Model;

/// <summary>
/// ZUNA1.1 decoder velocity (with and without latents), sampler states from the given noise, reconstruction (in
/// channel × time, un-patched from time-major tokens) and the layer-0 intermediates against the original 1.1 code;
/// bf16 matmuls within 0.05 × max.
/// </summary>
public sealed class Zuna11DecoderParityTests(ITestOutputHelper output)
{
    private const double Tolerance = 5e-5;        // latents, velocities, z (README's fp32 acceptance)
    private const double ReconTolerance = 5e-4;   // ×10 units
    private static readonly (string Run, SamplerOptions Options)[] Runs =
        [("s4_cfg1", new SamplerOptions { Steps = 4, Cfg = 1f }), ("s3_cfg2", new SamplerOptions { Steps = 3, Cfg = 2f })];

    public static TheoryData<string> AllCases() => Zuna11EncoderParityTests.AllCases();

    private static FixtureSet Set => FixtureSet.Get(FixtureSet.Zuna11);

    [Theory, MemberData(nameof(AllCases))]
    public void One_decoder_step_matches_conditional_and_unconditional(string caseName)
    {
        var (dc, du) = ParityChecks.DecoderStep(Set, Set.Engine(), caseName, Tolerance);
        output.WriteLine($"zuna11/{caseName}: v_cond {dc:E2}, v_uncond {du:E2}");
    }

    [Theory, MemberData(nameof(AllCases))]
    public void Sampler_matches_step_by_step_from_the_golden_latents(string caseName)
    {
        foreach (var (run, options) in Runs)
        {
            var (ds, df) = ParityChecks.SamplerRun(Set, Set.Engine(), caseName, run, options, Tolerance);
            output.WriteLine($"zuna11/{caseName} {run}: z_steps {ds:E2}, z_final {df:E2}");
        }
    }

    [Theory, MemberData(nameof(AllCases))]
    public void Reconstruct_end_to_end_matches_with_the_given_noise(string caseName)
    {
        var f = Set;
        var engine = f.Engine();
        var batch = f.Batch(caseName);
        foreach (var (run, options) in Runs)
        {
            float[] recon;
            lock (engine) recon = engine.Reconstruct(batch, options, [], f.F32($"{caseName}.sample.eps"));
            // recon is [C, T]: the time-major tokens un-patched, as the fixture stores it.
            Assert.Equal(new long[] { batch.ChannelCount, batch.EpochSamples }, f.Shape($"{caseName}.{run}.recon"));
            double d = Compare.Close($"zuna11/{caseName} {run} recon", recon, f.F32($"{caseName}.{run}.recon"), ReconTolerance);
            output.WriteLine($"zuna11/{caseName} {run}: recon {d:E2}");
        }
    }

    [Theory, InlineData("c12"), InlineData("c4_30s")]
    public void Bfloat16_matmuls_stay_within_five_percent_of_the_range(string caseName)
    {
        var f = Set;
        var engine = f.Engine("bfloat16");
        var batch = f.Batch(caseName);
        float[] latents, recon;
        lock (engine)
        {
            latents = engine.Embed(batch);
            recon = engine.Reconstruct(batch, Runs[1].Options, [], f.F32($"{caseName}.sample.eps"));
        }
        foreach (var (what, actual, golden) in new[] { ("latents", latents, f.F32($"{caseName}.latents")), ("recon", recon, f.F32($"{caseName}.s3_cfg2.recon")) })
        {
            double diff = Compare.MaxAbsDiff(actual, golden), bound = 0.05 * Compare.MaxAbs(golden);
            Assert.True(diff <= bound, $"bf16 zuna11/{caseName} {what}: {diff:E2} > {bound:E2}");
            Assert.True(diff > 0, "bf16 gave bit-identical results: the dtype switch did nothing");
            output.WriteLine($"bf16 zuna11/{caseName} {what}: {diff:E2} (bound {bound:E2})");
        }
    }

    [Theory, InlineData("c12"), InlineData("c12_mask")]
    public void Layer_0_intermediates_match(string c)
    {
        var f = Set;
        var engine = f.Engine();
        void Check(string name, Tensor actual) =>
            Compare.Close($"{c}.dbg.{name}", Compare.ToArray(actual), f.F32($"{c}.dbg.{name}"), 5e-5 * Math.Max(1, Compare.MaxAbs(f.F32($"{c}.dbg.{name}"))));
        const ScalarType F32 = ScalarType.Float32;
        lock (engine)
        {
            using var mode = inference_mode();
            using var scope = NewDisposeScope();
            var heads = engine.Config.Heads;
            var headDim = engine.Config.HeadDim;
            // q and k after QK-norm, before RoPE, [1, L, H, head_dim] (the fixtures' <prefix>_q_norm / _k_norm).
            void CheckQk(string prefix, Zuna.Engine.Model.Linear wq, Zuna.Engine.Model.RMSNorm? qNorm, Tensor qIn,
                Zuna.Engine.Model.Linear wk, Zuna.Engine.Model.RMSNorm? kNorm, Tensor kIn)
            {
                Check($"{prefix}_q_norm", qNorm!.Forward(wq.Forward(qIn).view(1, qIn.shape[1], heads, headDim), F32));
                Check($"{prefix}_k_norm", kNorm!.Forward(wk.Forward(kIn).view(1, kIn.shape[1], heads, headDim), F32));
            }
            var encoder = engine.Network.encoder;
            var tokIdx = tensor(f.I64($"{c}.tok_idx"), f.Shape($"{c}.tok_idx"));

            // Encoder: embed, pre-norm, QK-norm (before RoPE), attention, sandwich norms, block outputs, final norm.
            var embed = encoder.Embed(f.Tensor($"{c}.tokens").unsqueeze(0));
            Check("enc_embed", embed);
            using var encRope = engine.EncoderRope(tokIdx);
            var l0 = encoder.layers[0];
            var normed = l0.attention_norm.Forward(embed, F32);
            Check("enc_l0_attn_norm", normed);
            CheckQk("enc_l0", l0.attention.wq, l0.attention.q_norm, normed, l0.attention.wk, l0.attention.k_norm, normed);
            var attn = l0.attention.Forward(normed, encRope);
            Check("enc_l0_attn", attn);
            var attnPost = l0.attention_norm_post!.Forward(attn, F32);
            Check("enc_l0_attn_post", attnPost);
            var h = embed + attnPost;
            Check("enc_l0_ffn_post", l0.ffn_norm_post!.Forward(l0.feed_forward.Forward(l0.ffn_norm.Forward(h, F32)), F32));
            var out0 = l0.Forward(embed, encRope, F32);
            Check("enc_l0_out", out0);
            var out1 = encoder.layers[1].Forward(out0, encRope, F32);
            Check("enc_l1_out", out1);
            Check("enc_final_norm", encoder.norm.Forward(out1.slice(1, 0, out1.shape[1], 2), F32));

            // Decoder at t = 0.7 with the golden latents (the conditional call).
            var decoder = engine.Network.decoder;
            using var time = decoder.TimeState(0.7f);
            Check("dec_temb", time.Embedding);
            var latents = f.Tensor($"{c}.latents").unsqueeze(0);
            Check("dec_encproj", decoder.encoder_proj.Forward(latents));
            var x = decoder.tok_embeddings.Forward(f.Tensor($"{c}.step.z").unsqueeze(0));
            Check("dec_embed", x);
            var block = decoder.layers[0];
            var scales = time.Blocks[0];
            var context = decoder.Context(latents);
            using var decRope = engine.DecoderRope(tokIdx);
            var xNorm = block.cross_attention_x_norm.Forward(x, scales.X, F32);
            var yNorm = context * scales.Y;
            Check("dec_l0_xnorm", xNorm);
            Check("dec_l0_ynorm", yNorm);
            var cross = block.cross_attention;
            CheckQk("dec_l0_xattn", cross.wq, cross.q_norm, xNorm, cross.wk, cross.k_norm, yNorm);
            var xattn = cross.Forward(xNorm, yNorm, decRope, decRope);
            Check("dec_l0_xattn", xattn);
            var xattnPost = block.cross_attention_norm_post!.Forward(xattn, F32);
            Check("dec_l0_xattn_post", xattnPost);
            var h1 = x + xattnPost;
            var attnIn = block.attention_norm.Forward(h1, scales.Attention, F32);
            CheckQk("dec_l0_attn", block.attention.wq, block.attention.q_norm, attnIn, block.attention.wk, block.attention.k_norm, attnIn);
            var selfAttn = block.attention.Forward(attnIn, decRope);
            Check("dec_l0_attn", selfAttn);
            var selfPost = block.attention_norm_post!.Forward(selfAttn, F32);
            Check("dec_l0_attn_post", selfPost);
            var h2 = h1 + selfPost;
            Check("dec_l0_ffn_post", block.ffn_norm_post!.Forward(block.feed_forward.Forward(block.ffn_norm.Forward(h2, scales.Ffn, F32)), F32));
            var d0 = block.Forward(x, context, scales, decRope, F32);
            Check("dec_l0_out", d0);
            var d1 = decoder.layers[1].Forward(d0, context, time.Blocks[1], decRope, F32);
            Check("dec_l1_out", d1);
            Check("dec_final_norm", decoder.norm.Forward(d1, time.Final, F32));
        }
    }
}
