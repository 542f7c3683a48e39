// Upstream: LG/transformer.py Attention (rope_dim == 4 branch), attention via SDPA like the MPS fallback.
using static TorchSharp.torch;

namespace Zuna.Engine.Model;

/// <summary>
/// Bidirectional multi-head self-attention with 4-D RoPE on q and k, softmax scale 1/√head_dim, no biases.
/// wq, wk, wv are row slices of one [3·H·hd, dim] matrix so Q, K and V come from a single matmul;
/// the state-dict keys stay wq/wk/wv/wo. ZUNA1.1 adds QK-norm (<see cref="q_norm"/>, <see cref="k_norm"/>) before RoPE.
/// </summary>
public sealed class SelfAttention : nn.Module
{
    public Linear wq, wk, wv, wo;
    public RMSNorm? q_norm, k_norm;   // ZUNA1.1 only: [head_dim] gains shared by all heads
    private readonly FusedWeight _qkv;   // [3·H·hd, dim], storage of wq/wk/wv
    private readonly int _heads, _headDim;

    public SelfAttention(int dim, int heads, int headDim, ScalarType dtype, Device device, bool qkNorm = false) : base(nameof(SelfAttention))
    {
        _heads = heads;
        _headDim = headDim;
        int inner = heads * headDim;
        _qkv = new FusedWeight(3L * inner, dim, dtype, device);
        wq = new Linear(dim, inner, false, dtype, device, _qkv.Rows(0, inner));
        wk = new Linear(dim, inner, false, dtype, device, _qkv.Rows(inner, inner));
        wv = new Linear(dim, inner, false, dtype, device, _qkv.Rows(2L * inner, inner));
        wo = new Linear(inner, dim, false, dtype, device);
        (q_norm, k_norm) = (QkNorm.Create(qkNorm, headDim, device), QkNorm.Create(qkNorm, headDim, device));
        RegisterComponents();
    }

    /// <summary>x [B, L, dim] in the compute dtype → [B, L, dim].</summary>
    public Tensor Forward(Tensor x, RopeAngles rope)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], l = x.shape[1];
        var qkv = nn.functional.linear(x, _qkv.Matrix).view(b, l, 3, _heads, _headDim);   // [B, L, 3·H·hd] -> [B, L, 3, H, hd]
        var qk = rope.Apply(QkNorm.Apply(qkv.narrow(2, 0, 2), q_norm, k_norm), x.dtype);   // [B, L, 2, H, hd]
        var q = qk.select(2, 0).transpose(1, 2);                                     // [B, H, L, hd]
        var k = qk.select(2, 1).transpose(1, 2);                                     // [B, H, L, hd]
        var v = qkv.select(2, 2).transpose(1, 2);                                    // [B, H, L, hd]
        var o = nn.functional.scaled_dot_product_attention(q, k, v);                // [B, H, L, hd]
        o = o.transpose(1, 2).reshape(b, l, _heads * _headDim);                     // [B, H, L, hd] -> [B, L, H·hd]
        return wo.Forward(o).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _qkv.Dispose();
        base.Dispose(disposing);
    }
}
