using System.Runtime.InteropServices;
using System.Text.Json;

namespace Zuna.Engine.SafeTensors;

/// <summary>
/// Collects tensors and metadata and writes them as one safetensors file. Writing is asynchronous so it
/// can go straight to an HTTP response body (Kestrel forbids synchronous writes).
/// </summary>
public sealed class SafeTensorsWriter
{
    private readonly List<(string Name, string Dtype, long[] Shape, ReadOnlyMemory<byte> Data)> _tensors = [];
    private readonly Dictionary<string, string> _metadata = new(StringComparer.Ordinal);

    public SafeTensorsWriter Add(string name, float[] data, params long[] shape) =>
        Add(name, "F32", shape, MemoryMarshal.AsBytes(data.AsSpan()).ToArray(), data.LongLength);

    public SafeTensorsWriter Add(string name, double[] data, params long[] shape) =>
        Add(name, "F64", shape, MemoryMarshal.AsBytes(data.AsSpan()).ToArray(), data.LongLength);

    public SafeTensorsWriter Add(string name, long[] data, params long[] shape) =>
        Add(name, "I64", shape, MemoryMarshal.AsBytes(data.AsSpan()).ToArray(), data.LongLength);

    private SafeTensorsWriter Add(string name, string dtype, long[] shape, byte[] bytes, long count)
    {
        if (name == "__metadata__") throw new ArgumentException("'__metadata__' is reserved.", nameof(name));
        long expected = shape.Aggregate(1L, (a, b) => a * b);
        if (expected != count) throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] holds {expected} values, data has {count}.");
        _tensors.Add((name, dtype, shape, bytes));
        return this;
    }

    public SafeTensorsWriter Metadata(string key, string value) { _metadata[key] = value; return this; }

    /// <summary>The header bytes: length prefix plus JSON padded with spaces to a multiple of 8.</summary>
    private byte[] Header()
    {
        using var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            if (_metadata.Count > 0)
            {
                w.WriteStartObject("__metadata__");
                foreach (var (k, v) in _metadata) w.WriteString(k, v);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in _tensors)
            {
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", t.Dtype);
                w.WriteStartArray("shape");
                foreach (long d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + t.Data.Length);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += t.Data.Length;
            }
            w.WriteEndObject();
        }
        int padded = (int)((json.Length + 7) / 8 * 8);
        var header = new byte[8 + padded];
        BitConverter.TryWriteBytes(header.AsSpan(0, 8), (ulong)padded);
        json.ToArray().CopyTo(header, 8);
        header.AsSpan(8 + (int)json.Length).Fill((byte)' ');
        return header;
    }

    public async Task WriteAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        await destination.WriteAsync(Header(), cancellationToken);
        foreach (var t in _tensors) await destination.WriteAsync(t.Data, cancellationToken);
    }

    public void Write(string path)
    {
        string temp = path + ".tmp";
        using (var file = File.Create(temp))
        {
            file.Write(Header());
            foreach (var t in _tensors) file.Write(t.Data.Span);
        }
        File.Move(temp, path, overwrite: true);
    }

    public byte[] ToArray()
    {
        using var ms = new MemoryStream();
        WriteAsync(ms).GetAwaiter().GetResult();
        return ms.ToArray();
    }
}
