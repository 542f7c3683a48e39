// Upstream: AY2/xattn.py FourierConditioner.
using static TorchSharp.torch;

namespace Zuna.Engine.Model;

/// <summary>
/// Time embedding c = proj([cos(2π·t·w), sin(2π·t·w)]) with w the stored random frequencies
/// (persistent buffer <c>weight</c> [t_dim/2, 1], loaded from the checkpoint), cos block first.
/// </summary>
public sealed class FourierConditioner : nn.Module
{
    public Tensor weight;   // buffer [t_dim/2, 1]
    public Linear proj;     // [t_dim, t_dim] + bias

    public FourierConditioner(int tDim, Device device) : base(nameof(FourierConditioner))
    {
        weight = empty([tDim / 2, 1], ScalarType.Float32, device);
        proj = new Linear(tDim, tDim, hasBias: true, ScalarType.Float32, device);
        RegisterComponents();
    }

    /// <summary>t (float32 scalar time in (0, 1]) → c [t_dim] float32. min_val 0, max_val 1: no rescaling.</summary>
    public Tensor Forward(float t)
    {
        using var scope = NewDisposeScope();
        var time = SafeScalarOps.Full([1, 1], t, ScalarType.Float32, weight.device);
        // f = (2π·t) @ wᵀ: [1, 1] @ [1, t_dim/2] -> [1, t_dim/2]; 2π·t rounds to float32 first, as in torch.
        var f = matmul(time.Times((float)(2 * Math.PI)), weight.t());
        var features = cat([f.cos(), f.sin()], -1);           // [1, t_dim]
        return proj.Forward(features).reshape(-1).MoveToOuterDisposeScope();   // [1, t_dim] -> [t_dim]
    }
}
