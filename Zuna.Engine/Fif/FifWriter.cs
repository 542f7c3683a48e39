using System.IO.Compression;

namespace Zuna.Engine.Fif;

/// <summary>
/// Writes a <see cref="RawRecording"/> as a FIF raw file readable by MNE-Python (read_raw_fif): float32 buffers of 1 s,
/// values in volts (range = cal = 1), channel positions in loc[0..2] plus matching EEG dig points so raw.get_montage() works.
/// The sampling rate is stored as float32 (FIFF_SFREQ), so a rate float32 cannot represent comes back rounded, as with MNE.
/// For recordings produced piece by piece use <see cref="FifRawWriter"/> directly.
/// </summary>
public static class FifWriter
{
    private const int ChunkSamples = 1 << 16;

    /// <summary>Writes to <paramref name="path"/> through a temporary file (gzip-compressed when the name ends in .gz).</summary>
    public static void Write(string path, RawRecording recording)
    {
        ArgumentNullException.ThrowIfNull(recording);
        CheckShape(recording);
        string tmp = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            using (var output = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
                       ? new GZipStream(fs, CompressionLevel.Optimal) // like MNE's raw.save("x_raw.fif.gz")
                       : (Stream)fs)
            {
                var w = new FifRawWriter(output, FifWriteHeader.From(recording));
                for (int s = 0; s < recording.SampleCount; s += ChunkSamples)
                    w.Append(recording.Data, s, Math.Min(ChunkSamples, recording.SampleCount - s));
                w.Complete();
            }
            File.Move(tmp, path, overwrite: true); // a reader never sees a half-written file
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    public static async Task WriteAsync(Stream stream, RawRecording recording, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(recording);
        CheckShape(recording);
        var w = new FifRawWriter(stream, FifWriteHeader.From(recording));
        for (int s = 0; s < recording.SampleCount; s += ChunkSamples)
            await w.AppendAsync(recording.Data, s, Math.Min(ChunkSamples, recording.SampleCount - s), cancellationToken).ConfigureAwait(false);
        await w.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void CheckShape(RawRecording r)
    {
        if (r.Data.Length != r.Channels.Count)
            throw new ArgumentException($"recording has {r.Channels.Count} channels but {r.Data.Length} data arrays");
        foreach (var ch in r.Data)
            if (ch is null || ch.Length < r.SampleCount) throw new ArgumentException($"a data array is shorter than SampleCount {r.SampleCount}");
    }
}
