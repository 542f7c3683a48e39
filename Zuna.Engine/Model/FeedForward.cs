// Upstream: LG/transformer.py FeedForward (SwiGLU).
using static TorchSharp.torch;

namespace Zuna.Engine.Model;

/// <summary>w2(SiLU(w1·x) ⊙ w3·x), no biases. w1 and w3 share one [2·hidden, dim] matrix (one matmul).</summary>
public sealed class FeedForward : nn.Module
{
    public Linear w1, w2, w3;
    private readonly FusedWeight _w13;   // [2·hidden, dim], storage of w1/w3
    private readonly long _hidden;

    public FeedForward(int dim, int hidden, ScalarType dtype, Device device) : base(nameof(FeedForward))
    {
        _hidden = hidden;
        _w13 = new FusedWeight(2L * hidden, dim, dtype, device);
        w1 = new Linear(dim, hidden, false, dtype, device, _w13.Rows(0, hidden));
        w3 = new Linear(dim, hidden, false, dtype, device, _w13.Rows(hidden, hidden));
        w2 = new Linear(hidden, dim, false, dtype, device);
        RegisterComponents();
    }

    /// <summary>x [B, L, dim] → [B, L, dim].</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = nn.functional.linear(x, _w13.Matrix);                  // [B, L, 2·hidden]
        var gate = nn.functional.silu(h.narrow(-1, 0, _hidden)); // [B, L, hidden]
        var value = h.narrow(-1, _hidden, _hidden);
        return w2.Forward(gate.mul_(value)).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _w13.Dispose();
        base.Dispose(disposing);
    }
}
