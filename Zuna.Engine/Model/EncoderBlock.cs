// Upstream: LG/transformer.py TransformerBlock (pre-norm Llama block; ZUNA1.1 adds do_QK_norm and do_sandwich_norm).
using Zuna.Engine.Weights;
using static TorchSharp.torch;

namespace Zuna.Engine.Model;

/// <summary>
/// h = h + Attn(RMSNorm(h)); h = h + FFN(RMSNorm(h)). ZUNA1.1 normalises each sub-layer output before the add
/// (sandwich norm: h + post(Attn(pre(h)))). The residual stream stays float32.
/// </summary>
public sealed class EncoderBlock : nn.Module
{
    public SelfAttention attention;
    public FeedForward feed_forward;
    public RMSNorm attention_norm, ffn_norm;
    public RMSNorm? attention_norm_post, ffn_norm_post;   // ZUNA1.1 only

    public EncoderBlock(ZunaConfig config, ScalarType dtype, Device device) : base(nameof(EncoderBlock))
    {
        attention = new SelfAttention(config.Dim, config.Heads, config.HeadDim, dtype, device, config.QkNorm);
        feed_forward = new FeedForward(config.Dim, config.FfnHidden, dtype, device);
        attention_norm = new RMSNorm(config.Dim, config.NormEps, device, config.WrappedNormKeys);
        ffn_norm = new RMSNorm(config.Dim, config.NormEps, device, config.WrappedNormKeys);
        if (config.SandwichNorm)
        {
            attention_norm_post = new RMSNorm(config.Dim, config.NormEps, device, wrapped: true);
            ffn_norm_post = new RMSNorm(config.Dim, config.NormEps, device, wrapped: true);
        }
        RegisterComponents();
    }

    /// <summary>h [B, L, dim] float32 → [B, L, dim] float32; <paramref name="dtype"/> is the matmul dtype.</summary>
    public Tensor Forward(Tensor h, RopeAngles rope, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        h = h.Plus(RMSNorm.ApplyIfPresent(attention_norm_post, attention.Forward(attention_norm.Forward(h, dtype), rope)));
        h = h.PlusInPlace(RMSNorm.ApplyIfPresent(ffn_norm_post, feed_forward.Forward(ffn_norm.Forward(h, dtype))));
        return h.MoveToOuterDisposeScope();
    }
}
