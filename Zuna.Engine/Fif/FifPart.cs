namespace Zuna.Engine.Fif;

/// <summary>One file of a (possibly split) recording with its tree, header and buffer layout; no samples read yet.</summary>
internal sealed class FifPart
{
    public required FifSource Source { get; init; }
    public required FifNode Root { get; init; }
    public required FifMeasInfo Info { get; init; }
    public required FifRawLayout Layout { get; init; }
    public static FifPart Open(FifSource source)
    {
        try
        {
            var (_, root) = FifTreeReader.Read(source);
            var info = FifMeasInfoReader.Read(source, root);
            var layout = FifRawData.Plan(source, info.Meas, info.Channels.Count);
            return new FifPart { Source = source, Root = root, Info = info, Layout = layout };
        }
        catch (OverflowException e)
        {
            throw new FifFormatException($"{source.Name}: sample counts overflow; the file is corrupt.", e);
        }
    }

    /// <summary>The next split part's path (MNE's _get_next_fname), or null when this is the last part.</summary>
    public string? NextPartName(string currentPath)
    {
        foreach (var node in Root.FindAll(FifConst.BlockRef))
        {
            string? next = null;
            foreach (var e in node.Entries)
            {
                if (e.Kind == FifConst.RefRole && FifPayload.ReadInt(Source, e) != FifConst.RoleNextFile) { next = null; break; }
                if (e.Kind == FifConst.RefFileName)
                {
                    string file = FifPayload.ReadString(Source, e);
                    if (file.Contains('/') || file.Contains('\\') || file is "." or "..")
                        throw new FifFormatException($"{Source.Name}: the next split part name '{file}' is not a plain file name.");
                    next = Path.Combine(Path.GetDirectoryName(currentPath) ?? "", file);
                }
                if (e.Kind == FifConst.RefFileNum && next is null)
                    next = NumberedName(currentPath, FifPayload.ReadInt(Source, e));
            }
            if (next is not null) return next;
        }
        return null;
    }

    /// <summary>"x_raw.fif" + 1 → "x_raw-1.fif"; "x_raw-1.fif" + 2 → "x_raw-2.fif" (MNE's neuromag split naming).</summary>
    internal static string NumberedName(string path, int number)
    {
        string dir = Path.GetDirectoryName(path) ?? "", file = Path.GetFileName(path);
        int dot = file.IndexOf('.');
        if (dot < 0) dot = file.Length;
        string stem = file[..dot], ext = file[dot..];
        int dash = stem.LastIndexOf('-');
        if (dash >= 0 && dash + 1 < stem.Length && stem[(dash + 1)..].All(char.IsAsciiDigit)) stem = stem[..dash];
        return Path.Combine(dir, $"{stem}-{number}{ext}");
    }
}
