// Upstream: AY2/xattn.py CrossAttention (rope_dim == 4 branch) and apply_rotary_emb_xattn.
using static TorchSharp.torch;

namespace Zuna.Engine.Model;

/// <summary>
/// Decoder tokens (queries) attend to the projected encoder latents (keys/values); both sides use 4-D RoPE
/// with the same tok_idx, since latents and tokens correspond one to one. wk and wv share one [2·H·hd, dim] matrix.
/// ZUNA1.1 adds QK-norm (<see cref="q_norm"/> on the queries, <see cref="k_norm"/> on the keys) before RoPE.
/// </summary>
public sealed class CrossAttention : nn.Module
{
    public Linear wq, wk, wv, wo;
    public RMSNorm? q_norm, k_norm;   // ZUNA1.1 only
    private readonly FusedWeight _kv;   // [2·H·hd, dim], storage of wk/wv
    private readonly int _heads, _headDim;

    public CrossAttention(int dim, int heads, int headDim, ScalarType dtype, Device device, bool qkNorm = false) : base(nameof(CrossAttention))
    {
        _heads = heads;
        _headDim = headDim;
        int inner = heads * headDim;
        _kv = new FusedWeight(2L * inner, dim, dtype, device);
        wq = new Linear(dim, inner, false, dtype, device);
        wk = new Linear(dim, inner, false, dtype, device, _kv.Rows(0, inner));
        wv = new Linear(dim, inner, false, dtype, device, _kv.Rows(inner, inner));
        wo = new Linear(inner, dim, false, dtype, device);
        (q_norm, k_norm) = (QkNorm.Create(qkNorm, headDim, device), QkNorm.Create(qkNorm, headDim, device));
        RegisterComponents();
    }

    /// <summary>xq [B, Lq, dim], xkv [B, Lkv, dim] (compute dtype) → [B, Lq, dim].</summary>
    public Tensor Forward(Tensor xq, Tensor xkv, RopeAngles ropeQ, RopeAngles ropeK)
    {
        using var scope = NewDisposeScope();
        long b = xq.shape[0], lq = xq.shape[1], lkv = xkv.shape[1];
        var q = wq.Forward(xq).view(b, lq, 1, _heads, _headDim);                    // [B, Lq, H·hd] -> [B, Lq, 1, H, hd]
        var kv = nn.functional.linear(xkv, _kv.Matrix).view(b, lkv, 2, _heads, _headDim); // [B, Lkv, 2·H·hd] -> [B, Lkv, 2, H, hd]
        q = ropeQ.Apply(RMSNorm.ApplyIfPresent(q_norm, q), xq.dtype).select(2, 0).transpose(1, 2);                      // [B, H, Lq, hd]
        var k = ropeK.Apply(RMSNorm.ApplyIfPresent(k_norm, kv.narrow(2, 0, 1)), xq.dtype).select(2, 0).transpose(1, 2);   // [B, H, Lkv, hd]
        var v = kv.select(2, 1).transpose(1, 2);                                     // [B, H, Lkv, hd]
        var o = nn.functional.scaled_dot_product_attention(q, k, v);                // [B, H, Lq, hd]
        o = o.transpose(1, 2).reshape(b, lq, _heads * _headDim);                    // [B, H, Lq, hd] -> [B, Lq, H·hd]
        return wo.Forward(o).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _kv.Dispose();
        base.Dispose(disposing);
    }
}
