// Upstream: AY2/xattn.py AdaRMSNorm.
using static TorchSharp.torch;

namespace Zuna.Engine.Model;

/// <summary>
/// Scale-only adaptive RMSNorm: RMSNorm_unit(x) ⊙ (A·c + b), no shift, no gate. The scale depends only on
/// the time embedding c, so <see cref="Scale"/> is computed once per diffusion step.
/// The inner Linear is called <c>weight</c> upstream, hence the keys <c>….weight.weight</c> / <c>….weight.bias</c>.
/// </summary>
public sealed class AdaRMSNorm : nn.Module
{
    public Linear weight;   // A [dim, t_dim], b [dim]
    private readonly double _eps;

    public AdaRMSNorm(long tDim, long dim, double eps, Device device) : base(nameof(AdaRMSNorm))
    {
        _eps = eps;
        weight = new Linear(tDim, dim, hasBias: true, ScalarType.Float32, device);
        RegisterComponents();
    }

    /// <summary>A·c + b in float32: [t_dim] → [dim].</summary>
    public Tensor Scale(Tensor c) => weight.Forward(c);

    /// <summary>Normalises <paramref name="x"/> and multiplies by a precomputed <paramref name="scale"/>.</summary>
    public Tensor Forward(Tensor x, Tensor scale, ScalarType outputDtype)
    {
        using var scope = NewDisposeScope();
        return ForwardNormalised(RMSNorm.UnitNorm(x, _eps), scale, outputDtype).MoveToOuterDisposeScope();
    }

    /// <summary>For an input whose unit norm is already known (the encoder latents: fixed across steps).</summary>
    public static Tensor ForwardNormalised(Tensor unitNormed, Tensor scale, ScalarType outputDtype) =>
        (unitNormed * scale).to(outputDtype);

}
