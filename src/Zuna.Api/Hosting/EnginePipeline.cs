using Zuna.Api.Options;
using Zuna.Engine;
using Zuna.Engine.Fif;
using Zuna.Engine.Inference;
using Zuna.Engine.Preprocessing;

namespace Zuna.Api.Hosting;

/// <summary>Forwards to the Zuna.Engine pieces (see <see cref="IEnginePipeline"/>).</summary>
public sealed class EnginePipeline : IEnginePipeline
{
    public Task<string> ResolveModelDirectoryAsync(ModelOptions options, CancellationToken cancellationToken)
    {
        if (options.Path.Length > 0)
        {
            if (!Directory.Exists(options.Path))
                throw new ModelLoadException($"model directory '{options.Path}' (Zuna:Model:Path) does not exist");
            return Task.FromResult(options.Path);
        }
        throw new ModelLoadException($"no model directory configured and Hub download of {options.RepoId}@{options.Revision} is not available in this build; set Zuna:Model:Path");
    }

    public IZunaModel LoadModel(string directory, string device, string dtype, int threads) =>
        throw new ModelLoadException("the model engine is not part of this build yet");

    public RawRecording ReadFif(Stream content, string name) =>
        throw new InvalidOptionException("FIF input is not supported by this build yet");

    public Preprocessed Preprocess(RawRecording recording, InputOptions options) =>
        throw new InvalidOptionException("preprocessing is not supported by this build yet");

    public Preprocessed ReadPreprocessed(Stream content, InputOptions options) =>
        throw new InvalidOptionException("preprocessed input is not supported by this build yet");

    public Task WritePreprocessedAsync(Preprocessed preprocessed, Stream destination, CancellationToken cancellationToken) =>
        throw new InvalidOptionException("preprocessed output is not supported by this build yet");

    public Task WriteFifAsync(Preprocessed input, float[] reconstruction, Stream destination, CancellationToken cancellationToken) =>
        throw new InvalidOptionException("FIF output is not supported by this build yet");
}
