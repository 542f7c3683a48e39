using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Zuna.Engine.Fif;

/// <summary>One piece of the continuous data: a stored buffer (Tag set) or an acquisition gap (Tag null, read as zeros).</summary>
internal readonly record struct FifRawSegment(FifTagEntry? Tag, long FirstSample, int SampleCount);

/// <summary>Where the samples of one file are, before any sample is read (spec §A8).</summary>
/// <param name="FirstSampleTag">FIFF_FIRST_SAMPLE as stored (0 when absent), before an initial skip moves first_samp.</param>
internal sealed record FifRawLayout(long FirstSample, List<FifRawSegment> Segments, long SampleCount, string OriginalFormat, long FirstSampleTag);

internal static class FifRawData
{
    /// <summary>Bytes per stored value for the buffer types MNE reads; 0 for unsupported ones.</summary>
    public static int BytesPerValue(int type) => type switch
    {
        FifConst.TypeShort or FifConst.TypeDauPack16 => 2,
        FifConst.TypeInt or FifConst.TypeFloat => 4,
        FifConst.TypeDouble => 8,
        FifConst.TypeComplexFloat => 8,
        FifConst.TypeComplexDouble => 16,
        _ => 0,
    };

    private static string FormatName(int type) => type switch
    {
        FifConst.TypeShort or FifConst.TypeDauPack16 => "short",
        FifConst.TypeInt => "int",
        FifConst.TypeFloat or FifConst.TypeComplexFloat => "single",
        _ => "double",
    };

    /// <summary>Finds the raw-data block and lays out its buffers and skips exactly as MNE's _read_raw_file does.</summary>
    public static FifRawLayout Plan(FifSource src, FifNode meas, int nchan)
    {
        var rawNode = meas.FindAll(FifConst.BlockRawData).FirstOrDefault()
            ?? meas.FindAll(FifConst.BlockContinuousData).FirstOrDefault()
            ?? meas.FindAll(FifConst.BlockIasRawData).FirstOrDefault()
            ?? throw new FifFormatException($"{src.Name}: no raw data block found (this may be an epochs, evoked or forward file, not a continuous recording).");
        var entries = rawNode.Entries;
        int first = 0;
        long firstSamp = 0;
        long firstSkip = 0;
        long firstSampleTag = 0;
        if (first < entries.Count && entries[first].Kind == FifConst.FirstSample)
            firstSamp = firstSampleTag = FifPayload.ReadInt(src, entries[first++]);
        if (first < entries.Count && entries[first].Kind == FifConst.DataSkip)
            firstSkip = FifPayload.ReadInt(src, entries[first++]);

        var segments = new List<FifRawSegment>();
        long next = firstSamp, pendingSkip = 0;
        string? format = null;
        for (int k = first; k < entries.Count; k++)
        {
            var e = entries[k];
            if (e.Kind == FifConst.DataSkip)
            {
                pendingSkip = FifPayload.ReadInt(src, e);
                if (pendingSkip < 0) throw new FifFormatException($"{src.Name}: negative data skip ({pendingSkip} buffers) at byte {e.Position}.");
            }
            else if (e.Kind == FifConst.DataBuffer)
            {
                int bpv = BytesPerValue(e.Type);
                if (bpv == 0) throw new FifFormatException($"{src.Name}: cannot handle data buffers of type {e.Type} (byte {e.Position}).");
                if (e.Type is FifConst.TypeComplexFloat or FifConst.TypeComplexDouble)
                    throw new FifFormatException($"{src.Name}: complex-valued data buffers (type {e.Type}) are not supported; EEG recordings are real-valued.");
                format ??= FormatName(e.Type);
                int nsamp = (int)(e.Size / ((long)bpv * nchan));
                if (firstSkip > 0) { firstSamp = checked(firstSamp + nsamp * firstSkip); next = firstSamp; firstSkip = 0; }
                if (pendingSkip > 0)
                {
                    long gap = nsamp * pendingSkip;
                    if (gap > int.MaxValue) throw new FifFormatException($"{src.Name}: data skip of {gap} samples is not plausible.");
                    segments.Add(new FifRawSegment(null, next, (int)gap));
                    next += gap;
                    pendingSkip = 0;
                }
                segments.Add(new FifRawSegment(e, next, nsamp));
                next += nsamp;
            }
        }
        if (segments.Count == 0) throw new FifFormatException($"{src.Name}: the raw data block holds no data buffers.");
        return new FifRawLayout(firstSamp, segments, next - firstSamp, format ?? "single", firstSampleTag);
    }

    /// <summary>Bytes read and decoded at a time (whole sample rows).</summary>
    private const int ChunkBytes = 1 << 20;

    /// <summary>Chunks (MiB) from which decoding runs on all cores.</summary>
    private const int ParallelMinChunks = 16;

    /// <summary>
    /// Decodes every buffer of <paramref name="layout"/> into data[c][offset + s] as (double)value × range × cal, stored float32.
    /// Reads at most ~1 MiB at a time (whole sample rows) per worker, so peak extra memory is a few chunks, not a copy of the
    /// file. Chunks are independent (each writes its own sample range), so sources that allow concurrent positional reads
    /// decode them on all cores.
    /// </summary>
    public static void Decode(FifSource src, FifRawLayout layout, double[] cals, float[][] data, long offset)
    {
        int nchan = cals.Length;
        // Large files: one chunk per worker in flight, each reading its own rows (a ~1 MiB pooled buffer each).
        var chunks = new List<(FifTagEntry Tag, long Dst, int FirstRow, int Rows)>();
        foreach (var seg in layout.Segments)
        {
            long dst = offset + (seg.FirstSample - layout.FirstSample);
            if (seg.Tag is not { } tag) continue; // gap: arrays are zero-initialised
            int rowBytes = BytesPerValue(tag.Type) * nchan;
            int rowsPerChunk = Math.Max(1, ChunkBytes / rowBytes);
            for (int s0 = 0; s0 < seg.SampleCount; s0 += rowsPerChunk)
                chunks.Add((tag, dst + s0, s0, Math.Min(rowsPerChunk, seg.SampleCount - s0)));
        }
        // Small files: one thread (starting workers costs more than the decoding).
        int workers = src.SupportsConcurrentReads && chunks.Count >= ParallelMinChunks ? Environment.ProcessorCount : 1;
        if (workers == 1)
        {
            foreach (var chunk in chunks) DecodeChunk(src, chunk, cals, data);
            return;
        }
        try
        {
            Parallel.For(0, chunks.Count, new ParallelOptions { MaxDegreeOfParallelism = workers }, k => DecodeChunk(src, chunks[k], cals, data));
        }
        catch (AggregateException e)
        {
            // A truncated file or failing read surfaces as its own typed exception, not wrapped by the parallel loop.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
    }

    private static void DecodeChunk(FifSource src, (FifTagEntry Tag, long Dst, int FirstRow, int Rows) chunk, double[] cals, float[][] data)
    {
        var (tag, dst, firstRow, rows) = chunk;
        int rowBytes = BytesPerValue(tag.Type) * cals.Length;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(rows * rowBytes);
        try
        {
            var bytes = buffer.AsSpan(0, rows * rowBytes);
            src.ReadExactly(tag.PayloadPosition + (long)firstRow * rowBytes, bytes);
            Scatter(tag.Type, bytes, rows, cals, data, dst);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Big-endian sample-major rows → per-channel volts. Byte swapping is done in bulk (vectorised) before the transpose.</summary>
    private static void Scatter(int type, Span<byte> bytes, int rows, double[] cals, float[][] data, long dst)
    {
        int d = checked((int)dst);
        switch (type)
        {
            case FifConst.TypeShort:
            case FifConst.TypeDauPack16:
                Transpose<short>(ToNative(MemoryMarshal.Cast<byte, short>(bytes)), rows, cals, data, d);
                break;
            case FifConst.TypeInt:
                Transpose<int>(ToNative(MemoryMarshal.Cast<byte, int>(bytes)), rows, cals, data, d);
                break;
            case FifConst.TypeFloat:
                Transpose(MemoryMarshal.Cast<int, float>(ToNative(MemoryMarshal.Cast<byte, int>(bytes))), rows, cals, data, d);
                break;
            case FifConst.TypeDouble:
                Transpose(MemoryMarshal.Cast<long, double>(ToNative(MemoryMarshal.Cast<byte, long>(bytes))), rows, cals, data, d);
                break;
            default:
                throw new InvalidOperationException($"buffer type {type} should have been rejected by Plan");
        }
    }

    /// <summary>Swaps big-endian values to the machine's order in place.</summary>
    private static Span<T> ToNative<T>(Span<T> values) where T : unmanaged, IBinaryInteger<T>
    {
        if (BitConverter.IsLittleEndian)
        {
            if (typeof(T) == typeof(short)) BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<T, short>(values), MemoryMarshal.Cast<T, short>(values));
            else if (typeof(T) == typeof(int)) BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<T, int>(values), MemoryMarshal.Cast<T, int>(values));
            else if (typeof(T) == typeof(long)) BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<T, long>(values), MemoryMarshal.Cast<T, long>(values));
            else throw new NotSupportedException(typeof(T).Name);
        }
        return values;
    }

    /// <summary>Sample-major rows [rows, nchan] → channel c's samples × cal, computed in double, stored as float32.</summary>
    private static void Transpose<T>(ReadOnlySpan<T> v, int rows, double[] cals, float[][] data, int d) where T : unmanaged, INumberBase<T>
    {
        int nchan = cals.Length;
        for (int c = 0; c < nchan; c++)
        {
            double cal = cals[c];
            var outc = data[c].AsSpan(d, rows);
            for (int s = 0, i = c; s < rows; s++, i += nchan) outc[s] = (float)(double.CreateTruncating(v[i]) * cal);
        }
    }
}
