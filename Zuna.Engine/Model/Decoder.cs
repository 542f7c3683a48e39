// Upstream: AY2/transformer.py DecoderTransformer.forward, AY2/xattn.py DecoderBlock.
using TorchSharp.Modules;
using Zuna.Engine.Weights;
using static TorchSharp.torch;

namespace Zuna.Engine.Model;

/// <summary>Everything of one diffusion step that depends only on t: the 65 AdaRMSNorm scales.</summary>
public sealed class DecoderTimeState(IReadOnlyList<DecoderBlockScales> blocks, Tensor final, Tensor embedding) : IDisposable
{
    public IReadOnlyList<DecoderBlockScales> Blocks { get; } = blocks;
    public Tensor Final { get; } = final;
    /// <summary>c = t_embedder(t), [t_dim].</summary>
    public Tensor Embedding { get; } = embedding;

    private IEnumerable<Tensor> Tensors() =>
        Blocks.SelectMany(s => new[] { s.X, s.Y, s.Attention, s.Ffn }).Append(Final).Append(Embedding);

    /// <summary>Takes every tensor out of the current dispose scope (for states kept across steps and requests).</summary>
    public void DetachFromDisposeScope()
    {
        foreach (var t in Tensors()) t.DetachFromDisposeScope();
    }

    public void Dispose()
    {
        foreach (var t in Tensors()) t.Dispose();
    }
}

/// <summary>
/// Velocity network v(z, latents, t): tok_embeddings(z), then 16 blocks of cross-attention to
/// encoder_proj(latents), self-attention and SwiGLU under AdaRMSNorm(·, t_embedder(t)), then norm and output.
/// </summary>
public sealed class Decoder : nn.Module
{
    public Linear tok_embeddings;        // [dim, 32] + bias
    public FourierConditioner t_embedder;
    public Linear encoder_proj;          // [dim, 32] + bias
    public ModuleList<DecoderBlock> layers;
    public AdaRMSNorm norm;
    public Linear output;                // [32, dim]
    private readonly ScalarType _dtype;
    private readonly double _eps;

    /// <summary>Time conditioning per t, computed once per model (see <see cref="DecoderTimeCache"/>).</summary>
    public DecoderTimeCache TimeCache { get; }

    public Decoder(ZunaConfig config, ScalarType dtype, Device device) : base(nameof(Decoder))
    {
        _dtype = dtype;
        _eps = config.NormEps;
        tok_embeddings = new Linear(config.InputDim, config.Dim, hasBias: true, dtype, device);
        t_embedder = new FourierConditioner(config.TDim, device);
        encoder_proj = new Linear(config.EncoderOutputDim, config.Dim, hasBias: true, dtype, device);
        layers = new ModuleList<DecoderBlock>(Enumerable.Range(0, config.NLayers).Select(_ => new DecoderBlock(config, dtype, device)).ToArray());
        norm = new AdaRMSNorm(config.TDim, config.Dim, config.NormEps, device);
        output = new Linear(config.Dim, config.InputDim, hasBias: false, dtype, device);
        RegisterComponents();
        TimeCache = new DecoderTimeCache(TimeState);
    }

    /// <summary>Time embedding and all AdaRMSNorm scales for diffusion time t, computed now (the caller disposes it; samplers use <see cref="TimeCache"/>).</summary>
    public DecoderTimeState TimeState(float t)
    {
        var c = t_embedder.Forward(t);
        var blocks = layers.Select(l => l.Scales(c)).ToList();
        return new DecoderTimeState(blocks, norm.Scale(c), c);
    }

    /// <summary>
    /// The key/value context of cross-attention without its time-dependent scale:
    /// RMSNorm_unit(encoder_proj(latents)), [B, S, dim] float32. Fixed for all steps of a sampling run.
    /// </summary>
    public Tensor Context(Tensor latents)
    {
        using var scope = NewDisposeScope();
        var y = encoder_proj.Forward(latents.to(_dtype));   // [B, S, dim]
        return RMSNorm.UnitNorm(y, _eps).MoveToOuterDisposeScope();
    }

    /// <summary>z [B, S, 32] float32, context from <see cref="Context"/> → velocity [B, S, 32] float32.</summary>
    public Tensor Forward(Tensor z, Tensor context, DecoderTimeState time, RopeAngles rope)
    {
        using var scope = NewDisposeScope();
        var h = tok_embeddings.Forward(z.to(_dtype)).to(ScalarType.Float32);   // [B, S, dim]
        for (int i = 0; i < layers.Count; i++)
        {
            var next = layers[i].Forward(h, context, time.Blocks[i], rope, _dtype);
            h.Dispose();   // keep one residual stream alive, not one per layer
            h = next;
        }
        var v = output.Forward(norm.Forward(h, time.Final, _dtype));
        return v.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) TimeCache.Dispose();
        base.Dispose(disposing);
    }
}
