using Zuna.Engine;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Cli.Folder;

/// <summary>
/// The recordings of one folder run and which of them still need work, decided before anything is read (so a verb
/// loads its model only when some output is missing). Outputs are written under a temporary name and renamed when
/// complete, so an output under its final name is complete; a safetensors output is also opened and its tensors
/// checked against the file's length, which catches a copy cut short by something else.
/// </summary>
public sealed class FolderPlan
{
    private readonly HashSet<FolderItem> _complete;

    private FolderPlan(IReadOnlyList<FolderItem> items, string outDir, string suffix, HashSet<FolderItem> complete)
    {
        Items = items;
        OutDir = outDir;
        Suffix = suffix;
        _complete = complete;
    }

    public IReadOnlyList<FolderItem> Items { get; }

    public string OutDir { get; }

    /// <summary>What follows an input's stem in its output's name, e.g. ".safetensors".</summary>
    public string Suffix { get; }

    /// <summary>How many recordings need work.</summary>
    public int Pending => Items.Count - _complete.Count;

    public static FolderPlan Create(string input, FolderSettings settings, string suffix)
    {
        var items = FolderInputs.Find(input, settings.OutDir);
        if (items.Count == 0) throw new InvalidRecordingException($"no recordings found in {input}.");
        var complete = settings.Force ? [] : items.Where(i => IsComplete(i.OutputPath(settings.OutDir, suffix))).ToHashSet();
        return new FolderPlan(items, settings.OutDir, suffix, complete);
    }

    public bool IsComplete(FolderItem item) => _complete.Contains(item);

    public string Target(FolderItem item) => item.OutputPath(OutDir, Suffix);

    /// <summary>The name an output is written under until it is complete; never a recording extension, so never an input.</summary>
    public static string Temporary(string target) => target + ".partial";

    private static bool IsComplete(string path)
    {
        if (!File.Exists(path)) return false;
        if (!path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)) return true;
        try
        {
            using var file = SafeTensorsFile.Open(path);
            foreach (string name in file.Tensors.Keys) _ = file.Bytes(name).Length; // throws when a tensor runs past the end
            return true;
        }
        catch (Exception e) when (e is ZunaInputException or IOException or UnauthorizedAccessException) { return false; }
    }
}
