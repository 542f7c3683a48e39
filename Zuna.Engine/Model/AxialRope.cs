// Upstream: LG/transformer.py precompute_freqs_cis, RotaryEmbedding, apply_rotary_emb; the rope_dim == 4
// branch of Attention.forward / AY2/xattn.py CrossAttention.forward (per-axis gather, concatenated).
using static TorchSharp.torch;

namespace Zuna.Engine.Model;

/// <summary>
/// 4-D axial RoPE. Each head of width head_dim is split into head_dim/2 adjacent pairs (2m, 2m+1); pair m is
/// rotated by axis a = m / (head_dim/8) (x bin, y bin, z bin, coarse time) at frequency j = m mod (head_dim/8).
/// The table is not in the checkpoint (non-persistent buffer upstream), so it is recomputed here in float32.
/// </summary>
public sealed class AxialRope
{
    private const int Axes = 4;
    public Tensor Cos { get; }   // [max_seqlen, head_dim/8] float32
    public Tensor Sin { get; }   // [max_seqlen, head_dim/8] float32
    public int MaxSeqLen { get; }

    public AxialRope(int headDim, int maxSeqLen, double theta)
    {
        MaxSeqLen = maxSeqLen;
        using var scope = NewDisposeScope();
        int axisDim = headDim / Axes;   // 16 for the released model
        // freqs = 1 / theta^(arange(0, d, 2)[:d/2] / d), all float32 as in precompute_freqs_cis.
        var exponents = arange(0, axisDim, 2, ScalarType.Float32).narrow(0, 0, axisDim / 2) / (float)axisDim;
        var freqs = tensor((float)theta).pow(exponents).reciprocal();      // [d/2]
        var positions = arange(0, maxSeqLen, 1, ScalarType.Float32);
        var angles = outer(positions, freqs);                               // [max_seqlen, d/2]
        Cos = angles.cos().DetachFromDisposeScope();
        Sin = angles.sin().DetachFromDisposeScope();
    }

    /// <summary>
    /// Per-token cos/sin, [S, head_dim/2] each (pairs of axis 0 first, then axes 1..3), from tok_idx [S, 4] int64.
    /// </summary>
    public (Tensor Cos, Tensor Sin) ForTokens(Tensor tokIdx)
    {
        using var scope = NewDisposeScope();
        var cosParts = new Tensor[Axes];
        var sinParts = new Tensor[Axes];
        for (int a = 0; a < Axes; a++)
        {
            var index = tokIdx.select(1, a);                    // [S]
            cosParts[a] = Cos.index_select(0, index);          // [S, head_dim/8]
            sinParts[a] = Sin.index_select(0, index);
        }
        return (cat(cosParts, 1).MoveToOuterDisposeScope(), cat(sinParts, 1).MoveToOuterDisposeScope());
    }
}

/// <summary>
/// Per-token rotation for one sequence layout as unit complex numbers e^{iθ} = cos θ + i·sin θ,
/// shaped [S, 1, 1, head_dim/2] to broadcast over [B, S, n, H, head_dim/2].
/// </summary>
public sealed class RopeAngles : IDisposable
{
    public Tensor Rotation { get; }   // [S, 1, 1, head_dim/2] complex64

    public RopeAngles(Tensor cosTokens, Tensor sinTokens, Device device)
    {
        using var scope = NewDisposeScope();
        long s = cosTokens.shape[0], half = cosTokens.shape[1];
        // Owned by this object (disposed with it), not by the scope that happens to be open.
        Rotation = complex(cosTokens, sinTokens).reshape(s, 1, 1, half).to(device).DetachFromDisposeScope();   // [S, head_dim/2] -> [S, 1, 1, head_dim/2]
    }

    /// <summary>
    /// Rotates adjacent pairs of <paramref name="x"/> [B, S, n, H, head_dim] in float32 and returns it in
    /// <paramref name="outputDtype"/>: out[2m] = x[2m]·cos − x[2m+1]·sin, out[2m+1] = x[2m]·sin + x[2m+1]·cos,
    /// i.e. the pair (x[2m], x[2m+1]) read as one complex number times e^{iθ}: a single elementwise kernel.
    /// </summary>
    public Tensor Apply(Tensor x, ScalarType outputDtype)
    {
        using var scope = NewDisposeScope();
        long[] shape = x.shape;
        var pairs = x.to(ScalarType.Float32).reshape(shape[0], shape[1], shape[2], shape[3], shape[4] / 2, 2);   // [B, S, n, H, hd] -> [B, S, n, H, hd/2, 2]
        if (pairs.stride(-1) != 1 || pairs.stride(-2) != 2) pairs = pairs.contiguous();
        var rotated = view_as_real(view_as_complex(pairs) * Rotation);                                           // [B, S, n, H, hd/2, 2]
        return rotated.reshape(shape).to(outputDtype).MoveToOuterDisposeScope();                                 // [B, S, n, H, hd]
    }

    public void Dispose() => Rotation.Dispose();
}
