namespace Zuna.Api.Cli.Folder;

/// <summary>How progress is shown while a folder runs.</summary>
public enum FolderProgressMode
{
    /// <summary>The bar when stderr is a terminal, else plain lines (CI logs, pipes, files).</summary>
    Auto,

    /// <summary>A live Spectre.Console bar on stderr, with one line per finished recording above it.</summary>
    Bar,

    /// <summary>One line per recording on stdout, failures and warnings on stderr.</summary>
    Plain,
}

/// <summary>
/// The folder mode's settings. <paramref name="OutDir"/>: where outputs go (required). <paramref name="Force"/> (default
/// false): redo outputs that are already complete. <paramref name="Overlap"/> (default true): read and preprocess the
/// next recording while the current one is in the model. <paramref name="Progress"/> (default Auto).
/// </summary>
public sealed record FolderSettings(string OutDir, bool Force = false, bool Overlap = true, FolderProgressMode Progress = FolderProgressMode.Auto);
