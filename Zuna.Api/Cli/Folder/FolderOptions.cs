using System.CommandLine;
using Zuna.Engine;

namespace Zuna.Api.Cli.Folder;

/// <summary>The options of the folder mode, the same on preprocess, embed and reconstruct.</summary>
internal sealed class FolderOptions
{
    public Option<DirectoryInfo?> OutDir { get; } = new("--out-dir")
    {
        Description = "For a folder or glob of recordings (or one recording): where to write one output per recording, named after it, sub-folders kept.",
    };

    public Option<bool> Force { get; } = new("--force") { Description = "Folder mode: redo recordings whose output is already complete (they are skipped otherwise)." };

    public Option<bool> NoOverlap { get; } = new("--no-overlap")
    {
        Description = "Folder mode: read and preprocess each recording only after the previous one is done (by default the next one is prepared while the model runs).",
    };

    public Option<string> Progress { get; } = new("--progress")
    {
        Description = "Folder mode: bar (live progress bar on stderr), plain (one line per recording) or auto (the bar when stderr is a terminal).",
        DefaultValueFactory = _ => "auto",
    };

    public FolderOptions() => Progress.AcceptOnlyFromAmong("auto", "bar", "plain");

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { OutDir, Force, NoOverlap, Progress }) command.Options.Add(option);
    }

    /// <summary>Folder mode when the input is a folder or glob, or when --out-dir is given.</summary>
    public bool IsFolderMode(ParseResult parse, string input) => FolderInputs.IsBatch(input) || parse.GetValue(OutDir) is not null;

    /// <summary>The settings of a folder run; <paramref name="singleOutput"/> (the verb's --out) must not be given with them.</summary>
    public FolderSettings Settings(ParseResult parse, Option<FileInfo?> singleOutput)
    {
        if (parse.GetValue(singleOutput) is not null)
            throw new InvalidOptionException("--out names one output; with a folder or --out-dir each recording gets its own.");
        var outDir = parse.GetValue(OutDir) ?? throw new InvalidOptionException("a folder or glob of recordings needs --out-dir.");
        var mode = Enum.Parse<FolderProgressMode>(parse.GetValue(Progress)!, ignoreCase: true);
        return new FolderSettings(outDir.FullName, parse.GetValue(Force), !parse.GetValue(NoOverlap), mode);
    }
}
