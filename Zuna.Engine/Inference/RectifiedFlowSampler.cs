// Upstream: AY2/transformer.py EncoderDecoder.sample (Euler); the other solvers are ours (see SamplerKind).
using Zuna.Engine.Model;
using static TorchSharp.torch;

namespace Zuna.Engine.Inference;

/// <summary>
/// Integrates dz/dt = v(z, t) from t = 1 (noise) to t = 0 (data) on the grid t_i = float32(1/steps)·i.
/// v = decoder(z, latents, t), with CFG v = v_u + cfg·(v − v_u) where v_u uses all-zero latents; with cfg ≠ 1 the
/// conditional and unconditional passes run as one batch [2B, S, ·]. Euler (z ← z − dt·v) is the original's sampler,
/// kept operation for operation; Heun, midpoint and DPM-Solver++(2M) are second order (<see cref="SamplerKind"/>).
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
        int evaluations = 0, evaluationsTotal = options.Sampler.Evaluations(options.Steps);
        Tensor Velocity(Tensor z, float t)
        {
            evaluations++;
            var time = decoder.TimeCache.Get(t);   // owned by the model: t-only work is done once per schedule, not per step
            if (!guided) return decoder.Forward(z, context, time, rope);
            var both = decoder.Forward(cat([z, z], 0), context, time, rope);   // [2B, S, 32]
            var conditional = both.narrow(0, 0, b);
            var unconditional = both.narrow(0, b, b);
            return unconditional.Plus(conditional.Minus(unconditional).Times(options.Cfg));
        }

        float dt = (float)(1.0 / options.Steps);
        var z = z0.to(ScalarType.Float32).clone();
        var previousData = options.Sampler == SamplerKind.Dpm2m ? zeros_like(z) : null;   // x̂0 of the previous step
        for (int i = options.Steps; i >= 1; i--)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using (var stepScope = NewDisposeScope())
            {
                float t = dt * i, next = dt * (i - 1);
                switch (options.Sampler)
                {
                    case SamplerKind.Euler:
                        z.MinusInPlace(Velocity(z, t).Times(dt));
                        break;
                    case SamplerKind.Heun:
                        HeunStep(z, t, next, dt, Velocity);
                        break;
                    case SamplerKind.Midpoint:
                        var half = z.Minus(Velocity(z, t).Times(dt / 2));
                        z.MinusInPlace(Velocity(half, t - dt / 2).Times(dt));
                        break;
                    case SamplerKind.Dpm2m:
                        Dpm2mStep(z, previousData!, t, next, dt, first: i == options.Steps, Velocity);
                        break;
                    default:
                        throw new ArgumentOutOfRangeException(nameof(options), options.Sampler, "unknown sampler");
                }
                stepStates?.Add(z.cpu().clone().DetachFromDisposeScope());
            }
            progress?.Report(new SamplerProgress(options.Steps - i + 1, options.Steps, evaluations, evaluationsTotal));
        }
        return z.MoveToOuterDisposeScope();
    }

    /// <summary>Trapezoid: z ← z − dt·(v(z, t) + v(z_euler, t_next))/2; plain Euler into t = 0 (EDM: NFE = 2N−1).</summary>
    private static void HeunStep(Tensor z, float t, float next, float dt, Func<Tensor, float, Tensor> velocity)
    {
        var v = velocity(z, t);
        if (next <= 0f)
        {
            z.MinusInPlace(v.Times(dt));
            return;
        }
        var predicted = z.Minus(v.Times(dt));
        var corrected = v.Plus(velocity(predicted, next)).Times(0.5);
        z.MinusInPlace(corrected.Times(dt));
    }

    /// <summary>
    /// DPM-Solver++(2M) with α_t = 1 − t, σ_t = t, λ = log(α/σ), data prediction x̂0 = z − t·v:
    /// z ← (σ'/σ)·z − α'·(e^−h − 1)·D with h = λ' − λ, D = (1 + 1/2r)·x̂0 − (1/2r)·x̂0_prev, r = h_prev/h.
    /// First order (exactly Euler) on the first step and into t = 0, where λ' is infinite (diffusers' lower_order_final).
    /// From t = 1 (λ = −∞) h_prev is infinite, so the second step is first order too; from the third on it is 2M.
    /// </summary>
    private static void Dpm2mStep(Tensor z, Tensor previousData, float t, float next, float dt, bool first, Func<Tensor, float, Tensor> velocity)
    {
        var v = velocity(z, t);
        var data = z.Minus(v.Times(t));
        if (first || next <= 0f)
        {
            z.MinusInPlace(v.Times(dt));
        }
        else
        {
            double lambda = Lambda(t), lambdaNext = Lambda(next), lambdaPrevious = Lambda(t + dt);
            double h = lambdaNext - lambda, r = (lambda - lambdaPrevious) / h;
            double w = 1.0 / (2.0 * r);   // 0 when h_prev is infinite (previous step started at t = 1)
            var d = data.Times(1.0 + w).Minus(previousData.Times(w));
            var updated = z.Times((double)next / t).Minus(d.Times((1.0 - next) * (Math.Exp(-h) - 1.0)));
            z.copy_(updated);
        }
        previousData.copy_(data);
    }

    private static double Lambda(float t) => Math.Log((1.0 - t) / t);
}
