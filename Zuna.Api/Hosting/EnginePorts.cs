using Zuna.Api.Options;
using Zuna.Engine.Fif;
using Zuna.Engine.Inference;
using Zuna.Engine.Preprocessing;

namespace Zuna.Api.Hosting;

/// <summary>What a client may change about preprocessing (multipart fields bad_channels and target_channels).</summary>
public sealed record InputOptions(IReadOnlyList<string> BadChannels, TargetChannels TargetChannels)
{
    public static InputOptions None { get; } = new([], TargetChannels.None);
}

/// <summary>
/// The engine pieces the service calls, in the order data flows through them. One seam so that the
/// endpoints never reach into Zuna.Engine types they do not need; <see cref="EnginePipeline"/> is the
/// only implementation and forwards to FifReader, Preprocessor, PreprocessedFile, FifWriter and ZunaEngine.
/// </summary>
public interface IEnginePipeline
{
    /// <summary>The model directory: <see cref="ModelOptions.Path"/>, else the Hugging Face cache or a download.</summary>
    Task<string> ResolveModelDirectoryAsync(ModelOptions options, CancellationToken cancellationToken);

    /// <summary>Loads the model on the calling thread (the inference thread owns it afterwards).</summary>
    IZunaModel LoadModel(string directory, string device, string dtype, int threads);

    /// <summary>Parses a FIF file; throws <see cref="Zuna.Engine.FifFormatException"/> for anything unreadable.</summary>
    RawRecording ReadFif(Stream content, string name);

    /// <summary>The ZUNA preprocessing chain: epochs in z-units the model sees.</summary>
    Preprocessed Preprocess(RawRecording recording, InputOptions options);

    /// <summary>Reads the preprocessed safetensors layout (what POST /v1/preprocess returns) and applies the options that still make sense.</summary>
    Preprocessed ReadPreprocessed(Stream content, InputOptions options);

    /// <summary>Writes the preprocessed safetensors layout.</summary>
    Task WritePreprocessedAsync(Preprocessed preprocessed, Stream destination, CancellationToken cancellationToken);

    /// <summary>Writes a reconstruction [E,C,T] (z-units) as a FIF raw file in volts at 256 Hz with the channel positions.</summary>
    Task WriteFifAsync(Preprocessed input, float[] reconstruction, Stream destination, CancellationToken cancellationToken);
}
