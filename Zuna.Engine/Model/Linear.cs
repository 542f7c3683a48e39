// Upstream: torch.nn.Linear as used throughout LG/transformer.py and AY2/xattn.py.
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Zuna.Engine.Model;

/// <summary>
/// y = x·Wᵀ (+ b) with parameters named <c>weight</c>/<c>bias</c> like nn.Linear, but left uninitialised:
/// every value comes from the checkpoint, and random init of 380 M parameters would cost seconds.
/// The weight may be a row slice of a larger fused matrix (see <see cref="SelfAttention"/>).
/// </summary>
public sealed class Linear : nn.Module
{
    public Parameter weight;   // [out, in]
    public Parameter? bias;    // [out]

    public Linear(long inFeatures, long outFeatures, bool hasBias, ScalarType dtype, Device device, Tensor? weightStorage = null)
        : base(nameof(Linear))
    {
        weight = new Parameter(weightStorage ?? empty([outFeatures, inFeatures], dtype, device), requires_grad: false);
        if (hasBias) bias = new Parameter(empty([outFeatures], dtype, device), requires_grad: false);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x) => nn.functional.linear(x, weight, bias);
}

/// <summary>
/// One weight matrix whose row blocks back several <see cref="Linear"/> layers (wq|wk|wv, wk|wv, w1|w3), so
/// their products come from a single matmul. Held outside a Tensor field on purpose: TorchSharp registers
/// Tensor fields as buffers, and this storage must not appear as a state-dict key of its own.
/// </summary>
public sealed class FusedWeight(long rows, long columns, ScalarType dtype, Device device) : IDisposable
{
    public Tensor Matrix { get; } = empty([rows, columns], dtype, device);   // [rows, in]

    /// <summary>Rows [start, start + count) as a view sharing the storage.</summary>
    public Tensor Rows(long start, long count) => Matrix.narrow(0, start, count);

    public void Dispose() => Matrix.Dispose();
}
