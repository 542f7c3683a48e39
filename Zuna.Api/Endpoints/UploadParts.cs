using System.IO.Compression;
using Zuna.Engine;

namespace Zuna.Api.Endpoints;

/// <summary>
/// How the file parts of a job or batch request make recordings. A recording may come with companion files
/// (BrainVision .vmrk/.eeg, EEGLAB .fdt, a .npy's .json sidecar). POST /v1/jobs: the <c>file</c> part is the recording,
/// every other named file part a companion. POST /v1/batches: each <c>file</c> (or <c>files</c>) part is a recording;
/// every other file part goes with the recording of the same file stem (the name without its last extension,
/// case-insensitive), or with the only recording when there is one. A recording with companions is stored as one zip
/// of all its files, which the loader unpacks exactly like a zip upload.
/// </summary>
internal static class UploadParts
{
    public sealed record Recording(IFormFile Main, IReadOnlyList<IFormFile> Companions);

    /// <summary>The other file parts of a one-recording request.</summary>
    public static IReadOnlyList<IFormFile> CompanionsOf(IFormFile main, IFormFileCollection files) =>
        files.Where(f => !ReferenceEquals(f, main) && !string.IsNullOrEmpty(f.FileName)).ToList();

    /// <summary>The recordings of a batch with their companions; a companion that fits no recording is a 400.</summary>
    public static IReadOnlyList<Recording> Group(IFormFileCollection files)
    {
        var mains = files.Where(f => f.Name is "file" or "files").ToList();
        var companions = files.Where(f => f.Name is not ("file" or "files") && !string.IsNullOrEmpty(f.FileName)).ToList();
        var groups = mains.Select(m => (Main: m, Companions: new List<IFormFile>())).ToList();
        var unmatched = new List<string>();
        foreach (var part in companions)
        {
            var owners = groups.Where(g => SameStem(g.Main.FileName, part.FileName)).ToList();
            if (owners.Count == 0 && groups.Count == 1) owners = groups;
            if (owners.Count == 1) owners[0].Companions.Add(part);
            else unmatched.Add(part.FileName);
        }
        if (unmatched.Count > 0)
            throw new InvalidOptionException(
                $"these file parts match no recording by file stem: {string.Join(", ", unmatched)}. Name each companion like its recording (rec.vhdr + rec.vmrk + rec.eeg), or send each recording with its companions as one zip.");
        return groups.Select(g => new Recording(g.Main, g.Companions)).ToList();
    }

    /// <summary>The recording and its companions as one zip (stored, not compressed: EEG data barely compress).</summary>
    public static async Task<byte[]> BundleAsync(IFormFile main, IReadOnlyList<IFormFile> companions, CancellationToken cancellationToken)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var file in companions.Prepend(main))
            {
                string name = Path.GetFileName(file.FileName.Replace('\\', '/'));
                if (!names.Add(name)) throw new InvalidOptionException($"two file parts of one recording are both named '{name}'.");
                await using var entry = archive.CreateEntry(name, CompressionLevel.NoCompression).Open();
                await using var content = file.OpenReadStream();
                await content.CopyToAsync(entry, cancellationToken);
            }
        }
        return zip.ToArray();
    }

    private static bool SameStem(string recording, string companion) =>
        string.Equals(Path.GetFileNameWithoutExtension(recording), Path.GetFileNameWithoutExtension(companion), StringComparison.OrdinalIgnoreCase);
}
