// Upstream: AY2/transformer.py EncoderDecoder (the encoder + decoder pair whose state dict the checkpoint holds).
using Zuna.Engine.Weights;
using static TorchSharp.torch;

namespace Zuna.Engine.Model;

/// <summary>The whole checkpoint as one module: state-dict keys <c>encoder.*</c> and <c>decoder.*</c>.</summary>
public sealed class ZunaNetwork : nn.Module
{
    public Encoder encoder;
    public Decoder decoder;

    public ZunaConfig Config { get; }
    public ScalarType ComputeDtype { get; }
    public Device Device { get; }

    public ZunaNetwork(ZunaConfig config, ScalarType dtype, Device device) : base(nameof(ZunaNetwork))
    {
        Config = config;
        ComputeDtype = dtype;
        Device = device;
        encoder = new Encoder(config, dtype, device);
        decoder = new Decoder(config, dtype, device);
        RegisterComponents();
        eval();
    }
}
