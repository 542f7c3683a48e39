using System.CommandLine;
using Zuna.Api.Cli.Folder;
using Zuna.Engine.Inference;
using Zuna.Engine.Preprocessing;

namespace Zuna.Api.Cli;

/// <summary>The folder form of the verbs that run the model: the model is loaded once, and only when some output is missing.</summary>
internal static class ModelFolderRun
{
    /// <summary>
    /// Reads and preprocesses each recording with the verb's options (ahead, on another thread, unless --no-overlap) and
    /// hands it to <paramref name="process"/>, which runs the model and writes to <see cref="FolderWork.Temporary"/>.
    /// </summary>
    public static Task<int> RunAsync(ParseResult parse, ModelVerbOptions common, FolderSettings settings, string source,
        Func<ZunaEngine, FolderItem, Preprocessed, FolderWork, string> process, CancellationToken cancellationToken) =>
        RunAsync(parse, common, settings, source, ".safetensors", (item, phases) => common.LoadInput(parse, item.Path, phases, phases.Log),
            _ => { }, process, cancellationToken);

    /// <summary>
    /// The same with the verb's own read step (<paramref name="prepare"/>), output suffix, and a check of the loaded model
    /// (<paramref name="checkModel"/>, e.g. repair's ZUNA1.1 gate) made once before any recording is read.
    /// </summary>
    public static async Task<int> RunAsync<T>(ParseResult parse, ModelVerbOptions common, FolderSettings settings, string source, string suffix,
        Func<FolderItem, FolderPhases, T> prepare, Action<ZunaEngine> checkModel, Func<ZunaEngine, FolderItem, T, FolderWork, string> process,
        CancellationToken cancellationToken)
    {
        var io = parse.InvocationConfiguration;
        var plan = FolderPlan.Create(source, settings, suffix);
        using var engine = plan.Pending > 0 ? await common.LoadModelAsync(parse, io.Error, cancellationToken) : null;
        if (engine is not null) checkModel(engine);
        return FolderRun.Run(plan, settings, prepare, (item, input, work) => process(engine!, item, input, work),
            io.Output, io.Error, cancellationToken);
    }
}
