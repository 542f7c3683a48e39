using System.IO.Compression;

namespace Zuna.Engine.Input;

/// <summary>
/// A recording sent as one zip (BrainVision's .vhdr + .vmrk + .eeg, EEGLAB's .set + .fdt, or any single file): the
/// entries are unpacked into memory, under limits that a zip bomb cannot pass — at most <see cref="MaxEntries"/>
/// entries, and no more than <see cref="MaxExpansion"/>× the zip's size (plus 64 MB) in all, counted on the bytes
/// actually inflated, not on the sizes the zip claims. The main file is the one entry a reader takes by its name.
/// </summary>
public static class ZipUpload
{
    public const int MaxEntries = 64;
    public const int MaxExpansion = 50;
    private const long Slack = 64L << 20;

    public static bool IsZip(ReadOnlySpan<byte> head) => head.Length >= 4 && head[..4].SequenceEqual("PK\u0003\u0004"u8);

    /// <summary>The zip's main recording with the other entries as its companions.</summary>
    public static RecordingSource Expand(RecordingSource zip, IReadOnlyList<IRecordingReader> readers)
    {
        using var stream = zip.Open();
        long budget = Math.Min(stream.Length * MaxExpansion + Slack, Array.MaxLength);
        var entries = new Dictionary<string, Stream>(StringComparer.OrdinalIgnoreCase);
        try
        {
            using var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            foreach (var entry in archive.Entries)
            {
                if (entry.FullName.EndsWith('/')) continue; // a folder
                if (entries.Count == MaxEntries) throw new RecordingFormatException($"{zip.Name}: more than {MaxEntries} files in the zip.");
                var copy = new MemoryStream();
                using (var inflated = entry.Open()) budget -= CopyBounded(inflated, copy, budget, zip.Name);
                copy.Position = 0;
                entries[Path.GetFileName(entry.FullName)] = copy;
            }
        }
        catch (InvalidDataException e) { throw new RecordingFormatException($"{zip.Name}: not a readable zip ({e.Message}).", e); }

        var mains = entries.Keys.Where(n => readers.Any(r => r.Extensions.Any(x => n.EndsWith(x, StringComparison.OrdinalIgnoreCase)))).ToList();
        if (mains.Count != 1)
            throw new RecordingFormatException(mains.Count == 0
                ? $"{zip.Name}: the zip holds no recording Zuna reads ({string.Join(", ", entries.Keys)})."
                : $"{zip.Name}: the zip holds several recordings ({string.Join(", ", mains)}); send one per request.");
        var main = entries[mains[0]];
        entries.Remove(mains[0]);
        return RecordingSource.FromParts(main, mains[0], entries);
    }

    private static long CopyBounded(Stream from, Stream to, long budget, string name)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = from.Read(buffer)) > 0)
        {
            total += read;
            if (total > budget) throw new RecordingFormatException($"{name}: the zip inflates to more than {MaxExpansion}× its size; refused.");
            to.Write(buffer, 0, read);
        }
        return total;
    }
}
