using System.Text.RegularExpressions;
using Zuna.Engine;
using Zuna.Engine.Input;

namespace Zuna.Api.Cli.Folder;

/// <summary>
/// Which files of a folder or glob are recordings. A folder is searched with its sub-folders; a glob matches file names
/// in its folder only ("data/*.edf"), or in it and below when the last folder is "**" ("data/**/*.edf"). A recording is
/// a file whose name ends in an extension a registered reader takes, so companion files (.vmrk, .eeg, .fdt) are never
/// inputs of their own; neither are the later parts of a split FIF (x_raw-1.fif beside x_raw.fif), hidden files, nor
/// anything inside the output folder.
/// </summary>
public static partial class FolderInputs
{
    /// <summary>True when <paramref name="input"/> names a folder or holds a wildcard.</summary>
    public static bool IsBatch(string input) => Directory.Exists(input) || HasWildcard(input);

    /// <summary>The recordings <paramref name="input"/> names, in path order, with output names that never collide.</summary>
    public static IReadOnlyList<FolderItem> Find(string input, string outDir)
    {
        var (root, pattern, recursive) = Split(input);
        string output = Path.GetFullPath(outDir);
        if (SamePath(root, output))
            throw new InvalidOptionException($"--out-dir is the input folder {root}; give another folder so outputs are never taken for inputs.");
        var extensions = Extensions();
        bool outputBelowRoot = IsInside(output, root); // an output folder above the inputs holds none of them
        var options = new EnumerationOptions { RecurseSubdirectories = recursive, IgnoreInaccessible = true, MatchCasing = MatchCasing.CaseInsensitive };
        var files = Directory.EnumerateFiles(root, pattern, options)
            .Where(f => extensions.Any(x => f.EndsWith(x, StringComparison.OrdinalIgnoreCase)))
            .Where(f => !(outputBelowRoot && IsInside(f, output)) && !IsSplitContinuation(f))
            .Order(StringComparer.Ordinal)
            .ToList();
        return Name(root, files, extensions);
    }

    private static (string Root, string Pattern, bool Recursive) Split(string input)
    {
        if (Directory.Exists(input)) return (Path.GetFullPath(input), "*", true);
        string? folder = Path.GetDirectoryName(input);
        bool recursive = false;
        if (folder is not null && Path.GetFileName(folder) == "**")
        {
            recursive = true;
            folder = Path.GetDirectoryName(folder);
        }
        string root = string.IsNullOrEmpty(folder) ? "." : folder;
        if (HasWildcard(root))
            throw new InvalidOptionException($"wildcards go in the file name only (a last folder '**' takes sub-folders too): {input}");
        if (!Directory.Exists(root)) throw new InvalidOptionException($"folder not found: {root}");
        return (Path.GetFullPath(root), Path.GetFileName(input), recursive);
    }

    /// <summary>
    /// Output stems: the relative path without the recording extension; two inputs that would share one (x.edf and
    /// x.vhdr) keep their extensions instead (x.edf, x.vhdr), so neither overwrites the other.
    /// </summary>
    private static List<FolderItem> Name(string root, List<string> files, IReadOnlyList<string> extensions)
    {
        var relatives = files.Select(f => Path.GetRelativePath(root, f)).ToList();
        var stems = relatives.Select(r => WithoutExtension(r, extensions)).ToList();
        var shared = stems.GroupBy(s => s, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1)
            .Select(g => g.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return [.. files.Select((f, i) => new FolderItem(f, relatives[i], shared.Contains(stems[i]) ? relatives[i] : stems[i]))];
    }

    private static string WithoutExtension(string name, IReadOnlyList<string> extensions) =>
        extensions.FirstOrDefault(x => name.EndsWith(x, StringComparison.OrdinalIgnoreCase)) is { } ext ? name[..^ext.Length] : name;

    /// <summary>Every reader's extensions, longest first (".fif.gz" before ".fif").</summary>
    private static List<string> Extensions() =>
        [.. RecordingLoader.Default.Readers.SelectMany(r => r.Extensions).Distinct().OrderByDescending(e => e.Length)];

    /// <summary>MNE names the parts after the first x_raw-1.fif, x_raw-2.fif…; the reader follows them from the first.</summary>
    private static bool IsSplitContinuation(string file)
    {
        var match = SplitPart().Match(Path.GetFileName(file));
        return match.Success && File.Exists(Path.Combine(Path.GetDirectoryName(file)!, match.Groups[1].Value + match.Groups[2].Value));
    }

    [GeneratedRegex(@"^(.+)-\d+(\.fif(?:\.gz)?)$", RegexOptions.IgnoreCase)]
    private static partial Regex SplitPart();

    private static bool IsInside(string file, string folder) =>
        file.StartsWith(Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static bool SamePath(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(a), Path.TrimEndingDirectorySeparator(b), StringComparison.Ordinal);

    private static bool HasWildcard(string text) => text.Contains('*') || text.Contains('?');
}
