namespace Zuna.Api.Cli.Folder;

/// <summary>
/// One recording of a folder run: its full <paramref name="Path"/>, the path relative to the folder the user named
/// (shown in messages) and <paramref name="Stem"/>, the relative path its outputs are named after (sub-folders kept).
/// </summary>
public sealed record FolderItem(string Path, string Relative, string Stem)
{
    /// <summary>Where this recording's output goes in <paramref name="outDir"/>.</summary>
    public string OutputPath(string outDir, string suffix) => System.IO.Path.Combine(outDir, Stem + suffix);

    /// <summary>This recording's charts folder under --figures (one sub-folder per input), or null without the option.</summary>
    public DirectoryInfo? FiguresFolder(DirectoryInfo? root) => root is null ? null : new(System.IO.Path.Combine(root.FullName, Stem));
}
