// Upstream: LG/transformer.py RMSNorm (ZUNA 1.0: own gain; ZUNA1.1: wraps torch.nn.RMSNorm in a child "norm").
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Zuna.Engine.Model;

/// <summary>
/// y = x · rsqrt(mean(x²) + eps) · g, normalised in float32 and cast to <c>outputDtype</c>.
/// ZUNA1.1 keeps the same math but stores the gain one level down (<c>….norm.weight</c>): with
/// <c>wrapped</c> this module holds no gain itself, only a child <see cref="norm"/> that does.
/// </summary>
public sealed class RMSNorm : nn.Module
{
    public Parameter? weight;   // [dim] (ZUNA 1.0 key layout)
    public RMSNorm? norm;       // ZUNA1.1 key layout: the gain lives in norm.weight
    private readonly double _eps;

    public RMSNorm(long dim, double eps, Device device, bool wrapped = false) : base(nameof(RMSNorm))
    {
        _eps = eps;
        // Kept in float32 whatever the compute dtype: the norm runs in float32 anyway.
        if (wrapped) norm = new RMSNorm(dim, eps, device);
        else weight = new Parameter(empty([dim], ScalarType.Float32, device), requires_grad: false);
        RegisterComponents();
    }

    /// <summary>The gain g [dim], wherever the key layout keeps it.</summary>
    public Tensor Gain => weight ?? norm!.Gain;

    public Tensor Forward(Tensor x, ScalarType outputDtype)
    {
        using var scope = NewDisposeScope();
        var normed = UnitNorm(x, _eps);
        return normed.mul_(Gain).to(outputDtype).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// x through an optional norm with a float32 result, or x unchanged when the generation has no such norm
    /// (ZUNA1.1's QK-norm and sandwich norms are absent from 1.0).
    /// </summary>
    public static Tensor ApplyIfPresent(RMSNorm? norm, Tensor x) => norm is null ? x : norm.Forward(x, ScalarType.Float32);

    /// <summary>x · rsqrt(mean(x², last dim) + eps) in float32, without a gain (shared with AdaRMSNorm).</summary>
    public static Tensor UnitNorm(Tensor x, double eps)
    {
        using var scope = NewDisposeScope();
        var xf = x.to(ScalarType.Float32);
        var meanSquare = (xf * xf).mean([-1], keepdim: true);     // [..., 1]
        return (xf * meanSquare.PlusInPlace(eps).rsqrt_()).MoveToOuterDisposeScope();
    }
}
