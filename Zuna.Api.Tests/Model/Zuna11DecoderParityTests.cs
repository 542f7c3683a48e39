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
        var f = Set;
        var engine = f.Engine();
        float t = f.F32($"{caseName}.step.t")[0];
        Assert.Equal(0.7f, t);
        lock (engine)
        {
            using var mode = inference_mode();
            using var scope = NewDisposeScope();
            var decoder = engine.Network.decoder;
            var latents = f.Tensor($"{caseName}.latents").unsqueeze(0);      // [S, 32] -> [1, S, 32]
            var z = f.Tensor($"{caseName}.step.z").unsqueeze(0);
            using var rope = engine.DecoderRope(tensor(f.I64($"{caseName}.tok_idx"), f.Shape($"{caseName}.tok_idx")));
            using var time = decoder.TimeState(t);
            var vCond = decoder.Forward(z, decoder.Context(latents), time, rope);
            var vUncond = decoder.Forward(z, decoder.Context(zeros_like(latents)), time, rope);
            double dc = Compare.Close($"zuna11/{caseName} v_cond", Compare.ToArray(vCond), f.F32($"{caseName}.step.v_cond"), Tolerance);
            double du = Compare.Close($"zuna11/{caseName} v_uncond", Compare.ToArray(vUncond), f.F32($"{caseName}.step.v_uncond"), Tolerance);
            output.WriteLine($"zuna11/{caseName}: v_cond {dc:E2}, v_uncond {du:E2}");
        }
    }

    [Theory, MemberData(nameof(AllCases))]
    public void Sampler_matches_step_by_step_from_the_golden_latents(string caseName)
    {
        var f = Set;
        var engine = f.Engine();
        foreach (var (run, options) in Runs)
        {
            lock (engine)
            {
                using var mode = inference_mode();
                using var scope = NewDisposeScope();
                var latents = f.Tensor($"{caseName}.latents").unsqueeze(0);
                var z0 = f.Tensor($"{caseName}.sample.eps").unsqueeze(0) * (float)engine.Config.StftGlobalSigma;
                Compare.Close("z0", Compare.ToArray(z0), f.F32($"{caseName}.sample.z0"), 0);
                using var rope = engine.DecoderRope(tensor(f.I64($"{caseName}.tok_idx"), f.Shape($"{caseName}.tok_idx")));
                var steps = new List<Tensor>();
                var z = RectifiedFlowSampler.Sample(engine.Network.decoder, latents, z0, rope, options, stepStates: steps);
                double ds = Compare.Close($"zuna11/{caseName} {run} z_steps", Compare.ToArray(stack(steps, 0).squeeze(1)), f.F32($"{caseName}.{run}.z_steps"), Tolerance);
                double df = Compare.Close($"zuna11/{caseName} {run} z_final", Compare.ToArray(z), f.F32($"{caseName}.{run}.z_final"), Tolerance);
                foreach (var s in steps) s.Dispose();
                output.WriteLine($"zuna11/{caseName} {run}: z_steps {ds:E2}, z_final {df:E2}");
            }
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
            var encoder = engine.Network.encoder;
            var tokIdx = tensor(f.I64($"{c}.tok_idx"), f.Shape($"{c}.tok_idx"));

            // Encoder: embed, pre-norm, QK-norm (before RoPE), attention, sandwich norms, block outputs, final norm.
            var embed = encoder.Embed(f.Tensor($"{c}.tokens").unsqueeze(0));
            Check("enc_embed", embed);
            using var encRope = engine.EncoderRope(tokIdx);
            var l0 = encoder.layers[0];
            var normed = l0.attention_norm.Forward(embed, F32);
            Check("enc_l0_attn_norm", normed);
            long l = normed.shape[1];
            Check("enc_l0_q_norm", l0.attention.q_norm!.Forward(l0.attention.wq.Forward(normed).view(1, l, heads, headDim), F32));
            Check("enc_l0_k_norm", l0.attention.k_norm!.Forward(l0.attention.wk.Forward(normed).view(1, l, heads, headDim), F32));
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
            long s = x.shape[1];
            var xNorm = block.cross_attention_x_norm.Forward(x, scales.X, F32);
            var yNorm = context * scales.Y;
            Check("dec_l0_xnorm", xNorm);
            Check("dec_l0_ynorm", yNorm);
            var cross = block.cross_attention;
            Check("dec_l0_xattn_q_norm", cross.q_norm!.Forward(cross.wq.Forward(xNorm).view(1, s, heads, headDim), F32));
            Check("dec_l0_xattn_k_norm", cross.k_norm!.Forward(cross.wk.Forward(yNorm).view(1, s, heads, headDim), F32));
            var xattn = cross.Forward(xNorm, yNorm, decRope, decRope);
            Check("dec_l0_xattn", xattn);
            var xattnPost = block.cross_attention_norm_post!.Forward(xattn, F32);
            Check("dec_l0_xattn_post", xattnPost);
            var h1 = x + xattnPost;
            var attnIn = block.attention_norm.Forward(h1, scales.Attention, F32);
            Check("dec_l0_attn_q_norm", block.attention.q_norm!.Forward(block.attention.wq.Forward(attnIn).view(1, s, heads, headDim), F32));
            Check("dec_l0_attn_k_norm", block.attention.k_norm!.Forward(block.attention.wk.Forward(attnIn).view(1, s, heads, headDim), F32));
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
