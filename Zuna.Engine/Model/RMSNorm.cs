// Upstream: LG/transformer.py RMSNorm.
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Zuna.Engine.Model;

/// <summary>y = x · rsqrt(mean(x²) + eps) · g, normalised in float32 and cast to <c>outputDtype</c>.</summary>
public sealed class RMSNorm : nn.Module
{
    public Parameter weight;   // [dim]
    private readonly double _eps;

    public RMSNorm(long dim, double eps, Device device) : base(nameof(RMSNorm))
    {
        _eps = eps;
        // Kept in float32 whatever the compute dtype: the norm runs in float32 anyway.
        weight = new Parameter(empty([dim], ScalarType.Float32, device), requires_grad: false);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, ScalarType outputDtype)
    {
        using var scope = NewDisposeScope();
        var normed = UnitNorm(x, _eps);
        return normed.mul_(weight).to(outputDtype).MoveToOuterDisposeScope();
    }

    /// <summary>x · rsqrt(mean(x², last dim) + eps) in float32, without a gain (shared with AdaRMSNorm).</summary>
    public static Tensor UnitNorm(Tensor x, double eps)
    {
        using var scope = NewDisposeScope();
        var xf = x.to(ScalarType.Float32);
        var meanSquare = (xf * xf).mean([-1], keepdim: true);     // [..., 1]
        return (xf * meanSquare.PlusInPlace(eps).rsqrt_()).MoveToOuterDisposeScope();
    }
}
