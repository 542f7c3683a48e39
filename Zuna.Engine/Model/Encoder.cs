// Upstream: AY2/transformer.py EncoderTransformer (forward, _interleave_registers, bottleneck), LG BaseTransformer.
using TorchSharp.Modules;
using Zuna.Engine.Weights;
using static TorchSharp.torch;

namespace Zuna.Engine.Model;

/// <summary>
/// Encoder: a learned register (input space) is inserted before every token, [r, tok0, r, tok1, …], both
/// embedded by tok_embeddings; 16 pre-norm blocks with 4-D RoPE (each register shares its token's index);
/// the register outputs go through the final RMSNorm and <c>output</c> to give one 32-d latent per token.
/// The MMD bottleneck is the identity at inference.
/// </summary>
public sealed class Encoder : nn.Module
{
    public Linear tok_embeddings;   // [dim, 32] + bias
    public Parameter registers;     // [1, 32]
    public ModuleList<EncoderBlock> layers;
    public RMSNorm norm;
    public Linear output;           // [32, dim]
    private readonly ScalarType _dtype;

    public Encoder(ZunaConfig config, ScalarType dtype, Device device) : base(nameof(Encoder))
    {
        _dtype = dtype;
        tok_embeddings = new Linear(config.EncoderInputDim, config.Dim, hasBias: true, dtype, device);
        registers = new Parameter(empty([1, config.EncoderInputDim], dtype, device), requires_grad: false);
        layers = new ModuleList<EncoderBlock>(Enumerable.Range(0, config.NLayers).Select(_ => new EncoderBlock(config, dtype, device)).ToArray());
        norm = new RMSNorm(config.Dim, config.NormEps, device, config.WrappedNormKeys);
        output = new Linear(config.Dim, config.EncoderOutputDim, hasBias: false, dtype, device);
        RegisterComponents();
    }

    /// <summary>Embedded interleaved sequence, [B, 2S, dim] float32 (debug hook: enc_embed).</summary>
    public Tensor Embed(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        long b = tokens.shape[0], s = tokens.shape[1], width = tokens.shape[2];
        var regs = registers.reshape(1, 1, width).expand(b, s, width);                     // [1, 32] -> [B, S, 32]
        var interleaved = stack([regs, tokens.to(_dtype)], 2).reshape(b, 2 * s, width);     // [B, S, 2, 32] -> [B, 2S, 32]
        return tok_embeddings.Forward(interleaved).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// tokens [B, S, 32] (already ÷ data_norm and clipped), rope over the interleaved [2S] sequence → latents [B, S, 32] float32.
    /// The token is checked between layers: a full-size encode of a large batch takes minutes on a CPU.
    /// </summary>
    public Tensor Forward(Tensor tokens, RopeAngles interleavedRope, CancellationToken cancellationToken = default)
    {
        using var scope = NewDisposeScope();
        var h = Embed(tokens);                                     // [B, 2S, dim]
        foreach (var layer in layers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var next = layer.Forward(h, interleavedRope, _dtype);
            h.Dispose();   // keep one residual stream alive, not one per layer
            h = next;
        }
        var registerOut = h.slice(1, 0, h.shape[1], 2);            // [B, 2S, dim] -> [B, S, dim] (even positions)
        var latents = output.Forward(norm.Forward(registerOut, _dtype));
        return latents.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
