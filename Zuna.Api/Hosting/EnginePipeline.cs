using Zuna.Api.Options;
using Zuna.Engine;
using Zuna.Engine.Fif;
using Zuna.Engine.Hub;
using Zuna.Engine.Inference;
using Zuna.Engine.Outputs;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Hosting;

/// <summary>Forwards to the Zuna.Engine pieces (see <see cref="IEnginePipeline"/>).</summary>
public sealed class EnginePipeline(ILogger<EnginePipeline> logger) : IEnginePipeline
{
    public async Task<string> ResolveModelDirectoryAsync(ModelOptions options, CancellationToken cancellationToken)
    {
        var hub = HubOptions.FromEnvironment() with
        {
            ModelDirectory = options.Path.Length > 0 ? options.Path : null,
            RepoId = options.RepoId,
            Revision = options.Revision,
        };
        long lastLogged = 0;
        var progress = new InlineProgress<DownloadProgress>(p =>
        {
            if (p.BytesDone - lastLogged < 64L << 20 && p.BytesDone != p.BytesTotal) return;
            lastLogged = p.BytesDone;
            logger.LogInformation("Downloading {File}: {Done} of {Total} bytes", p.File, p.BytesDone, p.BytesTotal);
        });
        var resolved = await ModelResolver.ResolveAsync(hub, progress, cancellationToken);
        logger.LogInformation("Model {RepoId}@{Revision} from {Source}: {Directory}", resolved.RepoId, resolved.Revision, resolved.Source, resolved.Directory);
        return resolved.Directory;
    }

    public IZunaModel LoadModel(string directory, string device, string dtype, int threads)
    {
        TorchRuntime.Initialise(threads);
        return ZunaEngine.Load(directory, device, dtype);
    }

    public RawRecording ReadFif(Stream content, string name) => FifReader.Read(content, name);

    public Preprocessed Preprocess(RawRecording recording, InputOptions options)
    {
        var preprocessed = Preprocessor.Run(recording, new PreprocessOptions { BadChannels = options.BadChannels });
        return ChannelEditing.AddTargetChannels(preprocessed, options.TargetChannels);
    }

    public Preprocessed ReadPreprocessed(Stream content, InputOptions options)
    {
        using var file = SafeTensorsFile.FromBytes(ReadAll(content), "upload");
        var preprocessed = ChannelEditing.ZeroChannels(PreprocessedFile.Read(file), options.BadChannels);
        return ChannelEditing.AddTargetChannels(preprocessed, options.TargetChannels);
    }

    public Task WritePreprocessedAsync(Preprocessed preprocessed, Stream destination, CancellationToken cancellationToken) =>
        SafeTensorsWriter.From(PreprocessedFile.Layout(preprocessed)).WriteAsync(destination, cancellationToken);

    public Task WriteFifAsync(Preprocessed input, float[] reconstruction, Stream destination, CancellationToken cancellationToken) =>
        FifWriter.WriteAsync(destination, ReconstructionFile.ToRecording(input, reconstruction), cancellationToken);

    /// <summary>The rest of the stream in one array: read straight into it when the length is known (one copy, not two).</summary>
    private static byte[] ReadAll(Stream content)
    {
        if (content.CanSeek)
        {
            long length = content.Length - content.Position;
            if (length > Array.MaxLength) throw new InvalidRecordingException($"The upload ({length} bytes) is too large to read.");
            var bytes = new byte[length];
            content.ReadExactly(bytes);
            return bytes;
        }
        using var copy = new MemoryStream();
        content.CopyTo(copy);
        return copy.ToArray();
    }

    private sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
