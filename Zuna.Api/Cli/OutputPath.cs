using Zuna.Engine;

namespace Zuna.Api.Cli;

/// <summary>Checks an output path before any work starts, so a typo costs nothing rather than a whole computation.</summary>
internal static class OutputPath
{
    /// <summary>The full path of <paramref name="file"/>; throws an <see cref="InvalidOptionException"/> when its folder does not exist.</summary>
    public static string Checked(FileInfo file, string option)
    {
        if (file.Directory is { Exists: false } folder)
            throw new InvalidOptionException($"{option}: the folder {folder.FullName} does not exist (create it first).");
        if (Directory.Exists(file.FullName))
            throw new InvalidOptionException($"{option}: {file.FullName} is a folder; give a file name.");
        return file.FullName;
    }
}
