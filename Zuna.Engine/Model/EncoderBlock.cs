// Upstream: LG/transformer.py TransformerBlock (pre-norm Llama block).
using Zuna.Engine.Weights;
using static TorchSharp.torch;

namespace Zuna.Engine.Model;

/// <summary>h = h + Attn(RMSNorm(h)); h = h + FFN(RMSNorm(h)). The residual stream stays float32.</summary>
public sealed class EncoderBlock : nn.Module
{
    public SelfAttention attention;
    public FeedForward feed_forward;
    public RMSNorm attention_norm, ffn_norm;

    public EncoderBlock(ZunaConfig config, ScalarType dtype, Device device) : base(nameof(EncoderBlock))
    {
        attention = new SelfAttention(config.Dim, config.Heads, config.HeadDim, dtype, device);
        feed_forward = new FeedForward(config.Dim, config.FfnHidden, dtype, device);
        attention_norm = new RMSNorm(config.Dim, config.NormEps, device);
        ffn_norm = new RMSNorm(config.Dim, config.NormEps, device);
        RegisterComponents();
    }

    /// <summary>h [B, L, dim] float32 → [B, L, dim] float32; <paramref name="dtype"/> is the matmul dtype.</summary>
    public Tensor Forward(Tensor h, RopeAngles rope, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        h = h.Plus(attention.Forward(attention_norm.Forward(h, dtype), rope));
        h = h.PlusInPlace(feed_forward.Forward(ffn_norm.Forward(h, dtype)));
        return h.MoveToOuterDisposeScope();
    }
}
