using Zuna.Engine.Inference;
using static TorchSharp.torch;

namespace Zuna.Api.Tests.Model;

/// <summary>
/// The parity checks both generations share (the fixtures of 1.0 and 1.1 store the same tensors under the same
/// names): one decoder step, a sampler run from the golden latents and noise, and the RoPE tables.
/// </summary>
internal static class ParityChecks
{
    /// <summary>Decoder velocity at the case's step.t with the golden latents and with zero latents; returns both max diffs.</summary>
    public static (double Cond, double Uncond) DecoderStep(FixtureSet f, ZunaEngine engine, string caseName, double tolerance)
    {
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
            return (Compare.Close($"{f.Name}/{caseName} v_cond", Compare.ToArray(vCond), f.F32($"{caseName}.step.v_cond"), tolerance),
                Compare.Close($"{f.Name}/{caseName} v_uncond", Compare.ToArray(vUncond), f.F32($"{caseName}.step.v_uncond"), tolerance));
        }
    }

    /// <summary>The sampler from the golden latents and sample.eps: every step's state and the final one; returns both max diffs.</summary>
    public static (double Steps, double Final) SamplerRun(FixtureSet f, ZunaEngine engine, string caseName, string run, SamplerOptions options, double tolerance)
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
            double ds = Compare.Close($"{f.Name}/{caseName} {run} z_steps", Compare.ToArray(stack(steps, 0).squeeze(1)), f.F32($"{caseName}.{run}.z_steps"), tolerance);
            double df = Compare.Close($"{f.Name}/{caseName} {run} z_final", Compare.ToArray(z), f.F32($"{caseName}.{run}.z_final"), tolerance);
            foreach (var s in steps) s.Dispose();
            return (ds, df);
        }
    }

    /// <summary>The RoPE table of the engine's config and the per-token angles of <paramref name="caseName"/>.</summary>
    public static void RopeTables(FixtureSet f, ZunaEngine engine, string caseName)
    {
        var config = engine.Config;
        var rope = new Zuna.Engine.Model.AxialRope(config.HeadDim, config.MaxSeqLen, config.RopeTheta);
        Compare.Close("rope.cos", Compare.ToArray(rope.Cos), f.F32("rope.cos"), 1e-6);
        Compare.Close("rope.sin", Compare.ToArray(rope.Sin), f.F32("rope.sin"), 1e-6);
        using var tokIdx = tensor(f.I64($"{caseName}.tok_idx"), f.Shape($"{caseName}.tok_idx"));
        var (cos, sin) = rope.ForTokens(tokIdx);
        Compare.Close("rope_tok_cos", Compare.ToArray(cos), f.F32($"{caseName}.dbg.rope_tok_cos"), 1e-6);
        Compare.Close("rope_tok_sin", Compare.ToArray(sin), f.F32($"{caseName}.dbg.rope_tok_sin"), 1e-6);
        rope.Cos.Dispose();
        rope.Sin.Dispose();
    }
}
