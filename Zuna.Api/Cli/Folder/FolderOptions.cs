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

    /// <summary>
    /// Adds the options, and the rule that one recording needs <paramref name="singleOutput"/> (--out) and a folder or glob
    /// needs --out-dir: a usage error (exit 2) when neither is given, like any missing option.
    /// </summary>
    public void AddTo(Command command, Argument<FileInfo> input, Option<FileInfo?> singleOutput)
    {
        foreach (var option in new Option[] { OutDir, Force, NoOverlap, Progress }) command.Options.Add(option);
        command.Validators.Add(result =>
        {
            if (result.GetResult(singleOutput) is not null || result.GetResult(OutDir) is not null) return;
            bool batch = result.GetResult(input)?.Tokens is [var token, ..] && FolderInputs.IsBatch(token.Value);
            result.AddError(batch ? "a folder or glob of recordings needs --out-dir." : "Option '--out' is required (or --out-dir for one output per recording).");
        });
    }

    /// <summary>Folder mode when the input is a folder or glob, or when --out-dir is given.</summary>
    public bool IsFolderMode(ParseResult parse, string input) => FolderInputs.IsBatch(input) || parse.GetValue(OutDir) is not null;

    /// <summary>The settings of a folder run; <paramref name="singleOutput"/> (the verb's --out) must not be given with them.</summary>
    public FolderSettings Settings(ParseResult parse, Option<FileInfo?> singleOutput)
    {
        if (parse.GetValue(singleOutput) is not null)
            throw new InvalidOptionException("--out names one output; with a folder or --out-dir each recording gets its own.");
        var outDir = parse.GetValue(OutDir)!; // the validator added with the options insists on it
        var mode = Enum.Parse<FolderProgressMode>(parse.GetValue(Progress)!, ignoreCase: true);
        return new FolderSettings(outDir.FullName, parse.GetValue(Force), !parse.GetValue(NoOverlap), mode);
    }
}
