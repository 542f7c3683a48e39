using System.Buffers.Binary;
using System.IO.Compression;

namespace Zuna.Engine.Fif;

/// <summary>
/// Reads continuous recordings from FIF files the way MNE-Python 1.3's read_raw_fif(preload=True) does
/// (spec: shared/docs/fif-mne.md part A). Data come back in volts, one float32 array per channel.
/// Memory: files on disk are read positionally, buffer by buffer, straight into the channel arrays (peak ≈ the arrays);
/// .gz files and forward-only streams are first held in memory once, as MNE does. Allocations are bounded by the input
/// size (plus a fixed slack for acquisition gaps); every malformed input ends in <see cref="FifFormatException"/>.
/// </summary>
public static class FifReader
{
    /// <summary>A decompressed .gz or an upload must fit one .NET array; larger inputs are refused instead of exhausting memory.</summary>
    public const long MaxInMemoryBytes = int.MaxValue - 64;

    /// <summary>EEG data compress a few times at most; 50× only happens for padding or a deliberate gzip bomb.</summary>
    public const int MaxCompressionRatio = 50;
    private const long MinDecompressedAllowance = 64L << 20;

    /// <summary>Samples of gaps (acquisition skips) allowed beyond what the file stores, so a forged skip cannot make us allocate gigabytes.</summary>
    private const long MaxGapValuesSlack = 64L << 20;

    /// <summary>
    /// Reads <paramref name="path"/> (.fif or .fif.gz; gzip is detected from the magic bytes). Split recordings are followed like MNE:
    /// the next part is the FIFF_REF_FILE_NAME beside this file, else the name built from FIFF_REF_FILE_NUM ("x_raw-1.fif", …).
    /// A missing next part is an error, as with MNE's default on_split_missing='raise'.
    /// </summary>
    public static RawRecording Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var parts = new List<FifPart>();
        try
        {
            string? next = path;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (next is not null)
            {
                string full = Path.GetFullPath(next);
                if (!seen.Add(full)) throw new FifFormatException($"{Path.GetFileName(path)}: split parts reference each other in a loop ({Path.GetFileName(full)} again).");
                if (!File.Exists(full))
                {
                    if (parts.Count == 0) throw new FileNotFoundException($"FIF file not found: {next}", next);
                    throw new FifFormatException($"Split raw file detected but the next part {Path.GetFileName(full)} does not exist beside {Path.GetFileName(parts[^1].Source.Name)}; keep all parts together with their original names.");
                }
                var source = OpenPath(full);
                FifPart part;
                try { part = FifPart.Open(source); }
                catch { source.Dispose(); throw; }
                parts.Add(part);
                next = part.NextPartName(full);
            }
            return Assemble(parts, Path.GetFileName(path));
        }
        finally
        {
            foreach (var p in parts) p.Source.Dispose();
        }
    }

    /// <summary>
    /// Reads a FIF (or gzip-compressed FIF) from a stream, e.g. an upload. A split recording cannot be followed from a stream:
    /// when the file says a next part exists this throws <see cref="FifFormatException"/> (MNE raises too when a part is missing)
    /// rather than silently returning only the first part. A seekable stream is read in place (positioned reads); a forward-only
    /// one (e.g. a request body) or a gzip stream is first copied/decompressed into memory, at most <see cref="MaxInMemoryBytes"/>.
    /// The stream is not disposed.
    /// </summary>
    public static RawRecording Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        string name = string.IsNullOrEmpty(sourceName) ? "upload" : sourceName;
        using var source = OpenStream(stream, name);
        var part = FifPart.Open(source);
        if (part.NextPartName(name) is not null)
            throw new FifFormatException($"{name}: this is one part of a split recording (it references a next file); upload the parts merged into one file, or read it from disk with all parts beside it.");
        return Assemble([part], name);
    }

    private static FifSource OpenPath(string path)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var file = new FileFifSource(handle) { Name = Path.GetFileName(path) };
        Span<byte> magic = stackalloc byte[2];
        if (file.Length >= 2)
        {
            file.ReadExactly(0, magic);
            if (IsGzip(magic))
            {
                try
                {
                    using var fs = new FileStream(handle, FileAccess.Read);
                    return Decompress(fs, file.Name);
                }
                finally { file.Dispose(); }
            }
        }
        return file;
    }

    private static FifSource OpenStream(Stream stream, string name)
    {
        if (stream.CanSeek)
        {
            long start = stream.Position;
            Span<byte> magic = stackalloc byte[2];
            int n = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            stream.Position = start;
            if (n == 2 && IsGzip(magic)) return Decompress(stream, name);
            if (start == 0 && stream is MemoryStream ms && ms.TryGetBuffer(out var buffer))
                return new MemoryFifSource(buffer.AsMemory(0, (int)ms.Length)) { Name = name };
            if (start == 0) return new SeekableStreamFifSource(stream) { Name = name };
        }
        var copy = CopyCapped(stream, name, compressed: false);
        var bytes = copy.GetBuffer().AsMemory(0, (int)copy.Length);
        if (bytes.Length >= 2 && IsGzip(bytes.Span)) return Decompress(new MemoryStream(copy.GetBuffer(), 0, (int)copy.Length), name);
        return new MemoryFifSource(bytes) { Name = name };
    }

    private static bool IsGzip(ReadOnlySpan<byte> magic) => magic[0] == 0x1F && magic[1] == 0x8B;

    /// <summary>MNE also decompresses the whole .gz into memory with preload (it seeks a lot).</summary>
    private static MemoryFifSource Decompress(Stream compressed, string name)
    {
        try
        {
            long? compressedBytes = compressed.CanSeek ? compressed.Length - compressed.Position : null;
            using var gz = new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true);
            var ms = CopyCapped(gz, name, compressed: true, compressedBytes);
            return new MemoryFifSource(ms.GetBuffer().AsMemory(0, (int)ms.Length)) { Name = name };
        }
        catch (InvalidDataException e)
        {
            throw new FifFormatException($"{name}: the gzip stream is corrupt ({e.Message}).", e);
        }
        catch (EndOfStreamException e)
        {
            throw new FifFormatException($"{name}: the gzip stream is truncated.", e);
        }
    }

    /// <summary>
    /// Copies into memory, at most <see cref="MaxInMemoryBytes"/>. Decompressed data must also start like a FIF file and stay
    /// within <see cref="MaxCompressionRatio"/> of the compressed size, so a small gzip bomb fails fast instead of
    /// allocating gigabytes.
    /// </summary>
    private static MemoryStream CopyCapped(Stream input, string name, bool compressed, long? compressedBytes = null)
    {
        long limit = MaxInMemoryBytes;
        if (compressed && compressedBytes is long c) limit = Math.Min(limit, Math.Max(MinDecompressedAllowance, c * MaxCompressionRatio));
        var ms = new MemoryStream();
        var buffer = new byte[81920];
        int n;
        while ((n = input.Read(buffer)) > 0)
        {
            if (ms.Length + n > limit)
                throw new FifFormatException(limit < MaxInMemoryBytes
                    ? $"{name}: the gzip data expand more than {MaxCompressionRatio}× their {compressedBytes} compressed bytes; that is not an EEG recording."
                    : $"{name}: the {(compressed ? "decompressed " : "")}data exceed {MaxInMemoryBytes >> 20} MiB; {(compressed ? "decompress the file and read it from disk" : "read it from a file path")}.");
            ms.Write(buffer, 0, n);
            if (compressed && ms.Length >= 4 && ms.Length - n < 4 && BinaryPrimitives.ReadInt32BigEndian(ms.GetBuffer().AsSpan(0, 4)) != FifConst.FileId)
                throw new FifFormatException($"{name}: not a FIF file (the gzip data do not start with a FIFF_FILE_ID tag).");
        }
        return ms;
    }

    /// <summary>Allocates the per-channel arrays once for all parts, then decodes each part straight into them.</summary>
    private static RawRecording Assemble(List<FifPart> parts, string name)
    {
        var head = parts[0];
        int nchan = head.Info.Channels.Count;
        for (int i = 1; i < parts.Count; i++)
        {
            var p = parts[i];
            if (p.Info.Channels.Count != nchan || Math.Abs(p.Info.SampleRate - head.Info.SampleRate) > 1e-9 * head.Info.SampleRate ||
                !p.Info.Channels.Select(c => c.Name).SequenceEqual(head.Info.Channels.Select(c => c.Name)))
                throw new FifFormatException($"{p.Source.Name}: split part does not match the first part (channels or sampling rate differ).");
        }
        long total = parts.Sum(p => p.Layout.SampleCount);
        long stored = parts.Sum(p => p.Layout.Segments.Where(s => s.Tag is not null).Sum(s => (long)s.SampleCount));
        if (total > Array.MaxLength)
            throw new FifFormatException($"{name}: {total} samples per channel is more than one recording array can hold.");
        if ((total - stored) * nchan > MaxGapValuesSlack + stored * nchan)
            throw new FifFormatException($"{name}: acquisition skips add {total - stored} samples to {stored} stored ones; this is not plausible for a real recording.");

        var cals = new double[nchan];
        for (int c = 0; c < nchan; c++)
        {
            var ch = head.Info.Channels[c];
            cals[c] = (double)ch.Range * ch.Cal;
            if (cals[c] == 0) throw new FifFormatException($"{name}: channel {ch.Name} has calibration range × cal = 0.");
        }

        var data = new float[nchan][];
        for (int c = 0; c < nchan; c++) data[c] = new float[total];
        long offset = 0;
        var gaps = new List<(long, long)>();
        foreach (var p in parts)
        {
            FifRawData.Decode(p.Source, p.Layout, cals, data, offset);
            offset += p.Layout.SampleCount;
            gaps.AddRange(p.Layout.Segments.Where(s => s.Tag is null).Select(s => (s.FirstSample, (long)s.SampleCount)));
        }

        var info = head.Info;
        var annotations = FifAnnotationsReader.Read(head.Source, head.Root, info.MeasDate, info.SampleRate,
            head.Layout.FirstSampleTag, head.Layout.FirstSample, total, gaps);
        return new RawRecording
        {
            Channels = info.Channels,
            SampleRate = info.SampleRate,
            SampleCount = (int)total,
            FirstSample = head.Layout.FirstSample,
            Data = data,
            BadChannels = info.Bads,
            Annotations = annotations,
            DigPoints = info.Dig,
            MeasurementDate = info.MeasDate,
            HighPass = info.HighPass,
            LowPass = info.LowPass,
            LineFrequency = info.LineFrequency,
            OriginalFormat = head.Layout.OriginalFormat,
            PartSampleCounts = [.. parts.Select(p => checked((int)p.Layout.SampleCount))],
            Source = name,
        };
    }
}
