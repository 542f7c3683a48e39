// Upstream: AY2/transformer.py EncoderDecoder.sample.
using Zuna.Engine.Model;
using static TorchSharp.torch;

namespace Zuna.Engine.Inference;

/// <summary>
/// Explicit Euler from t = 1 (noise) to t = 0 (data): for i = steps..1, t = float32(1/steps)·i,
/// v = decoder(z, latents, t), with CFG v = v_u + cfg·(v − v_u) where v_u uses all-zero latents,
/// then z ← z − dt·v. With cfg ≠ 1 the conditional and unconditional passes run as one batch [2B, S, ·].
/// </summary>
public static class RectifiedFlowSampler
{
    /// <param name="latents">[B, S, 32] float32 encoder output.</param>
    /// <param name="z0">[B, S, 32] float32 initial state (σ · standard normal).</param>
    /// <param name="stepStates">when given, receives a CPU copy of z after every step.</param>
    public static Tensor Sample(
        Decoder decoder,
        Tensor latents,
        Tensor z0,
        RopeAngles rope,
        SamplerOptions options,
        IProgress<SamplerProgress>? progress = null,
        CancellationToken cancellationToken = default,
        List<Tensor>? stepStates = null)
    {
        using var scope = NewDisposeScope();
        bool guided = options.Cfg != 1f;
        long b = latents.shape[0];
        // Unconditional branch: latents replaced by zeros before encoder_proj, stacked after the conditional rows.
        var context = decoder.Context(guided ? cat([latents, zeros_like(latents)], 0) : latents);   // [B or 2B, S, dim]
        float dt = (float)(1.0 / options.Steps);
        var z = z0.to(ScalarType.Float32).clone();
        for (int i = options.Steps; i >= 1; i--)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using (var stepScope = NewDisposeScope())
            {
                float t = dt * i;
                using var time = decoder.TimeState(t);
                Tensor v;
                if (guided)
                {
                    var both = decoder.Forward(cat([z, z], 0), context, time, rope);   // [2B, S, 32]
                    var conditional = both.narrow(0, 0, b);
                    var unconditional = both.narrow(0, b, b);
                    v = unconditional.Plus(conditional.Minus(unconditional).Times(options.Cfg));
                }
                else
                {
                    v = decoder.Forward(z, context, time, rope);
                }
                z.MinusInPlace(v.Times(dt));
                stepStates?.Add(z.cpu().clone().DetachFromDisposeScope());
            }
            progress?.Report(new SamplerProgress(options.Steps - i + 1, options.Steps));
        }
        return z.MoveToOuterDisposeScope();
    }
}
