using Zuna.Api.Options;
using Zuna.Engine;
using Zuna.Engine.Hub;
using Zuna.Engine.Inference;

namespace Zuna.Api.Backend;

/// <summary>Finds and loads the model for the backend; the one seam where tests can hold or wrap the real model.</summary>
public interface IModelLoader
{
    /// <summary>The model folder: <see cref="ModelOptions.Path"/>, else the Hugging Face cache or a download.</summary>
    Task<ResolvedModel> ResolveAsync(ModelOptions options, CancellationToken cancellationToken);

    /// <summary>Loads the model on the calling thread (the inference thread owns it afterwards).</summary>
    IZunaModel Load(ResolvedModel model, string device, string dtype, int threads);
}

/// <summary>Resolves through <see cref="ModelResolver"/> (download progress logged every 64 MB) and loads a <see cref="ZunaEngine"/>.</summary>
public sealed class ModelLoader(ILogger<ModelLoader> logger) : IModelLoader
{
    public async Task<ResolvedModel> ResolveAsync(ModelOptions options, CancellationToken cancellationToken)
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
        return resolved;
    }

    public IZunaModel Load(ResolvedModel model, string device, string dtype, int threads)
    {
        TorchRuntime.Initialise(threads);
        return ZunaEngine.Load(model, device, dtype);
    }
}
