// Upstream: LG/transformer.py Attention and AY2/xattn.py CrossAttention (do_QK_norm, ZUNA1.1).
using static TorchSharp.torch;

namespace Zuna.Engine.Model;

/// <summary>
/// ZUNA1.1's QK-norm: after the projections and the head split, q and k are RMS-normalised over head_dim with one
/// gain vector per side shared by all heads (eps the literal 1e-5), before RoPE. Results stay float32: RoPE
/// rotates in float32 anyway.
/// </summary>
public static class QkNorm
{
    /// <summary>Hard-coded upstream, not norm_eps.</summary>
    public const double Eps = 1e-5;

    /// <summary>A gain module with the 1.1 key layout (<c>q_norm.norm.weight</c>), or null when the generation has no QK-norm.</summary>
    public static RMSNorm? Create(bool enabled, int headDim, Device device) =>
        enabled ? new RMSNorm(headDim, Eps, device, wrapped: true) : null;

    /// <summary>qk [B, L, 2, H, head_dim] (q then k along dim 2) with each side normalised by its own gain.</summary>
    public static Tensor Apply(Tensor qk, RMSNorm? qNorm, RMSNorm? kNorm)
    {
        if (qNorm is null || kNorm is null) return qk;
        using var scope = NewDisposeScope();
        return stack([qNorm.Forward(qk.select(2, 0), ScalarType.Float32), kNorm.Forward(qk.select(2, 1), ScalarType.Float32)], 2)
            .MoveToOuterDisposeScope();
    }
}
