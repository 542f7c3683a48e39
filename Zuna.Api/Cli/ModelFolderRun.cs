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
    public static async Task<int> RunAsync(ParseResult parse, ModelVerbOptions common, FolderSettings settings, string source,
        Func<ZunaEngine, FolderItem, Preprocessed, FolderWork, string> process, CancellationToken cancellationToken)
    {
        var io = parse.InvocationConfiguration;
        var plan = FolderPlan.Create(source, settings, ".safetensors");
        using var engine = plan.Pending > 0 ? await common.LoadModelAsync(parse, io.Error, cancellationToken) : null;
        return FolderRun.Run(plan, settings,
            (item, phases) => common.LoadInput(parse, item.Path, phases, phases.Log),
            (item, input, work) => process(engine!, item, input, work),
            io.Output, io.Error, cancellationToken);
    }
}
