// Upstream: AY2/xattn.py DecoderBlock.
using Zuna.Engine.Weights;
using static TorchSharp.torch;

namespace Zuna.Engine.Model;

/// <summary>The four AdaRMSNorm scales of one decoder block for the current diffusion time, [dim] each.</summary>
public sealed record DecoderBlockScales(Tensor X, Tensor Y, Tensor Attention, Tensor Ffn);

/// <summary>
/// Cross-attention → self-attention → SwiGLU, each pre-normed by its own AdaRMSNorm with a plain residual add.
/// The key/value side (projected latents) is normalised by cross_attention_y_norm, so K/V change with t.
/// ZUNA1.1 adds QK-norm in both attentions and a plain RMSNorm on each sub-layer output before the add (sandwich norm).
/// </summary>
public sealed class DecoderBlock : nn.Module
{
    public CrossAttention cross_attention;
    public AdaRMSNorm cross_attention_x_norm, cross_attention_y_norm;
    public SelfAttention attention;
    public FeedForward feed_forward;
    public AdaRMSNorm attention_norm, ffn_norm;
    public RMSNorm? cross_attention_norm_post, attention_norm_post, ffn_norm_post;   // ZUNA1.1 only

    public DecoderBlock(ZunaConfig config, ScalarType dtype, Device device) : base(nameof(DecoderBlock))
    {
        cross_attention = new CrossAttention(config.Dim, config.Heads, config.HeadDim, dtype, device, config.QkNorm);
        cross_attention_x_norm = new AdaRMSNorm(config.TDim, config.Dim, config.NormEps, device);
        cross_attention_y_norm = new AdaRMSNorm(config.TDim, config.Dim, config.NormEps, device);
        attention = new SelfAttention(config.Dim, config.Heads, config.HeadDim, dtype, device, config.QkNorm);
        feed_forward = new FeedForward(config.Dim, config.FfnHidden, dtype, device);
        attention_norm = new AdaRMSNorm(config.TDim, config.Dim, config.NormEps, device);
        ffn_norm = new AdaRMSNorm(config.TDim, config.Dim, config.NormEps, device);
        if (config.SandwichNorm)
        {
            cross_attention_norm_post = new RMSNorm(config.Dim, config.NormEps, device, wrapped: true);
            attention_norm_post = new RMSNorm(config.Dim, config.NormEps, device, wrapped: true);
            ffn_norm_post = new RMSNorm(config.Dim, config.NormEps, device, wrapped: true);
        }
        RegisterComponents();
    }

    /// <summary>A·c + b of the four norms, c = time embedding [t_dim].</summary>
    public DecoderBlockScales Scales(Tensor c) =>
        new(cross_attention_x_norm.Scale(c), cross_attention_y_norm.Scale(c), attention_norm.Scale(c), ffn_norm.Scale(c));

    /// <summary>
    /// h [B, S, dim] float32 residual; yUnit [B, S, dim] = RMSNorm_unit(encoder_proj(latents)), float32.
    /// </summary>
    public Tensor Forward(Tensor h, Tensor yUnit, DecoderBlockScales scales, RopeAngles rope, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var kvInput = AdaRMSNorm.ForwardNormalised(yUnit, scales.Y, dtype);
        var crossOut = cross_attention.Forward(cross_attention_x_norm.Forward(h, scales.X, dtype), kvInput, rope, rope);
        h = h.Plus(RMSNorm.ApplyIfPresent(cross_attention_norm_post, crossOut));
        h = h.PlusInPlace(RMSNorm.ApplyIfPresent(attention_norm_post, attention.Forward(attention_norm.Forward(h, scales.Attention, dtype), rope)));
        h = h.PlusInPlace(RMSNorm.ApplyIfPresent(ffn_norm_post, feed_forward.Forward(ffn_norm.Forward(h, scales.Ffn, dtype))));
        return h.MoveToOuterDisposeScope();
    }
}
