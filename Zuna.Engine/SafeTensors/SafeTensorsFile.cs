using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Zuna.Engine.SafeTensors;

/// <summary>One tensor's entry in a safetensors header; <see cref="Offset"/> is from the start of the data section.</summary>
public sealed record SafeTensorEntry(string Name, string Dtype, long[] Shape, long Offset, long Length)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>Thrown for a file that is not valid safetensors, or a tensor that is missing or of the wrong kind.</summary>
public sealed class SafeTensorsFormatException(string message) : ZunaInputException(message);

/// <summary>
/// Reads a safetensors file (8-byte little-endian header length, JSON header, raw little-endian data)
/// without copying it: files are memory-mapped, uploads are wrapped as they are.
/// Format: https://github.com/huggingface/safetensors#format
/// </summary>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _mapped;
    private readonly byte[]? _buffer;
    private readonly long _dataStart;
    private readonly long _totalLength;
    private bool _pointerAcquired;

    public IReadOnlyDictionary<string, SafeTensorEntry> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public string Source { get; }

    private SafeTensorsFile(string source, byte[]? buffer, MemoryMappedFile? map, long length)
    {
        Source = source;
        _totalLength = length;
        if (buffer is not null)
        {
            _buffer = buffer;
        }
        else if (length > 0)
        {
            _map = map;
            _view = map!.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* p = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            _pointerAcquired = true;
            _mapped = p + _view.PointerOffset;
        }
        (Tensors, Metadata, _dataStart) = ParseHeader();
    }

    /// <summary>Memory-maps <paramref name="path"/>; the tensors are read from the page cache on demand.</summary>
    public static SafeTensorsFile Open(string path)
    {
        // A Hugging Face cache snapshot is a symlink to a blob: the length must be the target's, not the link's.
        var info = new FileInfo(path);
        if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target) info = target;
        long length = info.Exists ? info.Length : throw new FileNotFoundException($"safetensors file not found: {path}", path);
        if (length < 8) throw new SafeTensorsFormatException($"{path}: {length} bytes is too short for a safetensors file.");
        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, 0, MemoryMappedFileAccess.Read);
        try { return new SafeTensorsFile(path, null, map, length); }
        catch { map.Dispose(); throw; }
    }

    /// <summary>Wraps bytes already in memory (an upload), without copying them.</summary>
    public static SafeTensorsFile FromBytes(byte[] bytes, string source = "upload")
    {
        if (bytes.Length < 8) throw new SafeTensorsFormatException($"{source}: {bytes.Length} bytes is too short for a safetensors file.");
        return new SafeTensorsFile(source, bytes, null, bytes.Length);
    }

    /// <summary>True when the first bytes look like a safetensors header (a length, then '{').</summary>
    public static bool LooksLikeSafeTensors(ReadOnlySpan<byte> head) =>
        head.Length >= 9 && BitConverter.ToUInt64(head[..8]) is > 1 and < (ulong)MaxHeaderBytes && head[8] == (byte)'{';

    private ReadOnlySpan<byte> Span(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset + length > _totalLength)
            throw new SafeTensorsFormatException($"{Source}: range {offset}+{length} lies past the end of the file ({_totalLength} bytes).");
        if (length > int.MaxValue) throw new SafeTensorsFormatException($"{Source}: a single tensor over 2 GiB is not supported.");
        return _buffer is not null
            ? _buffer.AsSpan((int)offset, (int)length)
            : new ReadOnlySpan<byte>(_mapped + offset, (int)length);
    }

    private (Dictionary<string, SafeTensorEntry>, Dictionary<string, string>, long) ParseHeader()
    {
        ulong headerLength = BitConverter.ToUInt64(Span(0, 8));
        if (headerLength == 0 || headerLength > MaxHeaderBytes || (long)headerLength > _totalLength - 8)
            throw new SafeTensorsFormatException($"{Source}: header length {headerLength} does not fit in a {_totalLength}-byte file; not a safetensors file?");
        long dataStart = 8 + (long)headerLength;
        long dataLength = _totalLength - dataStart;

        var tensors = new Dictionary<string, SafeTensorEntry>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(Span(8, (long)headerLength).ToArray());
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    foreach (var m in property.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                    continue;
                }
                var v = property.Value;
                string dtype = v.GetProperty("dtype").GetString()!;
                long[] shape = v.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var offsets = v.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
                    throw new SafeTensorsFormatException($"{Source}: tensor '{property.Name}' has data offsets outside the file.");
                var entry = new SafeTensorEntry(property.Name, dtype, shape, offsets[0], offsets[1] - offsets[0]);
                if (shape.Any(d => d < 0) || entry.ElementCount * DtypeSize(dtype) != entry.Length)
                    throw new SafeTensorsFormatException($"{Source}: tensor '{property.Name}' ({dtype} [{string.Join(", ", shape)}]) does not match its {entry.Length} data bytes.");
                tensors[property.Name] = entry;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new SafeTensorsFormatException($"{Source}: the safetensors header is not valid JSON of the expected shape ({e.Message}).");
        }
        return (tensors, metadata, dataStart);
    }

    /// <summary>Bytes per element of a safetensors dtype name.</summary>
    public static int DtypeSize(string dtype) =>
        TryDtypeSize(dtype, out int size) ? size : throw new SafeTensorsFormatException($"unknown safetensors dtype '{dtype}'.");

    /// <summary>Bytes per element of a safetensors dtype name; false for a name the format does not define.</summary>
    public static bool TryDtypeSize(string? dtype, out int size)
    {
        size = dtype switch
        {
            "F64" or "I64" or "U64" => 8,
            "F32" or "I32" or "U32" => 4,
            "F16" or "BF16" or "I16" or "U16" => 2,
            "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
            _ => 0,
        };
        return size > 0;
    }

    public SafeTensorEntry Entry(string name) =>
        Tensors.TryGetValue(name, out var e) ? e : throw new SafeTensorsFormatException($"{Source}: no tensor named '{name}'.");

    /// <summary>The raw little-endian bytes of one tensor, valid while this object lives.</summary>
    public ReadOnlySpan<byte> Bytes(string name)
    {
        var e = Entry(name);
        return Span(_dataStart + e.Offset, e.Length);
    }

    /// <summary>A tensor as float32, converted from F32, F64, F16 or BF16.</summary>
    public float[] ReadFloat32(string name)
    {
        var e = Entry(name);
        var bytes = Bytes(name);
        var result = new float[e.ElementCount];
        switch (e.Dtype)
        {
            case "F32": MemoryMarshal.Cast<byte, float>(bytes).CopyTo(result); break;
            case "F64":
                var d = MemoryMarshal.Cast<byte, double>(bytes);
                for (int i = 0; i < d.Length; i++) result[i] = (float)d[i];
                break;
            case "F16":
                var h = MemoryMarshal.Cast<byte, Half>(bytes);
                for (int i = 0; i < h.Length; i++) result[i] = (float)h[i];
                break;
            case "BF16":
                var b = MemoryMarshal.Cast<byte, ushort>(bytes);
                for (int i = 0; i < b.Length; i++) result[i] = BitConverter.Int32BitsToSingle(b[i] << 16);
                break;
            default: throw new SafeTensorsFormatException($"{Source}: tensor '{name}' is {e.Dtype}, not a floating-point type.");
        }
        return result;
    }

    /// <summary>A tensor as float64, converted from F64 or F32.</summary>
    public double[] ReadFloat64(string name)
    {
        var e = Entry(name);
        if (e.Dtype == "F64") return MemoryMarshal.Cast<byte, double>(Bytes(name)).ToArray();
        return Array.ConvertAll(ReadFloat32(name), x => (double)x);
    }

    /// <summary>A tensor as int64, converted from I64 or I32.</summary>
    public long[] ReadInt64(string name)
    {
        var e = Entry(name);
        return e.Dtype switch
        {
            "I64" => MemoryMarshal.Cast<byte, long>(Bytes(name)).ToArray(),
            "I32" => Array.ConvertAll(MemoryMarshal.Cast<byte, int>(Bytes(name)).ToArray(), x => (long)x),
            _ => throw new SafeTensorsFormatException($"{Source}: tensor '{name}' is {e.Dtype}, not an integer type."),
        };
    }

    public void Dispose()
    {
        if (_pointerAcquired) { _view!.SafeMemoryMappedViewHandle.ReleasePointer(); _pointerAcquired = false; }
        _view?.Dispose();
        _map?.Dispose();
    }
}
