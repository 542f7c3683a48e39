using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using Zuna.Engine.Outputs;

namespace Zuna.Engine.SafeTensors;

/// <summary>
/// Writes tensors and a string metadata map as one safetensors file (https://github.com/huggingface/safetensors#format):
/// an 8-byte little-endian header length, the JSON header padded with spaces to a multiple of 8 (so the data that
/// follows is 8-byte aligned), then each tensor's bytes in the order added. The header is computed from the shapes
/// alone, so every tensor goes from its source (<see cref="TensorToWrite"/>) to the destination without a copy of the
/// whole; the only buffer is one pooled chunk for generated tensors.
/// </summary>
public sealed class SafeTensorsWriter
{
    private readonly List<TensorToWrite> _tensors = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, string> _metadata = new(StringComparer.Ordinal);

    /// <summary>A writer holding the layout's tensors and metadata, in the layout's order.</summary>
    public static SafeTensorsWriter From(OutputLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var writer = new SafeTensorsWriter();
        foreach (var tensor in layout.Tensors) writer.Add(tensor);
        return writer.Metadata(layout.Metadata);
    }

    public SafeTensorsWriter Add(TensorToWrite tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!_names.Add(tensor.Name)) throw new ArgumentException($"tensor '{tensor.Name}' is already in this file.", nameof(tensor));
        _tensors.Add(tensor);
        return this;
    }

    /// <summary>An F32 tensor over the whole of <paramref name="data"/>, which is read when the file is written, not now.</summary>
    public SafeTensorsWriter Add(string name, float[] data, params long[] shape) => Add(TensorToWrite.Of(name, data, shape));

    /// <summary>An I64 tensor over the whole of <paramref name="data"/>, which is read when the file is written, not now.</summary>
    public SafeTensorsWriter Add(string name, long[] data, params long[] shape) => Add(TensorToWrite.Of(name, data, shape));

    /// <summary>Sets one <c>__metadata__</c> entry; a key set again keeps its place and takes the new value.</summary>
    public SafeTensorsWriter Metadata(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        _metadata[key] = value;
        return this;
    }

    /// <summary>Sets the entries in order (see <see cref="Metadata(string, string)"/>).</summary>
    public SafeTensorsWriter Metadata(IEnumerable<(string Key, string Value)> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var (key, value) in entries) Metadata(key, value);
        return this;
    }

    /// <summary>
    /// Writes the file to <paramref name="destination"/> with asynchronous writes only, so it may be a non-seekable
    /// HTTP response body (Kestrel refuses synchronous writes). Does not flush or close the stream.
    /// </summary>
    public async Task WriteAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        await destination.WriteAsync(Header(), cancellationToken);
        byte[]? fillBuffer = RentFillBuffer();
        try
        {
            foreach (var tensor in _tensors) await tensor.WriteToAsync(destination, fillBuffer, cancellationToken);
        }
        finally
        {
            if (fillBuffer is not null) ArrayPool<byte>.Shared.Return(fillBuffer);
        }
    }

    /// <summary>
    /// Writes the file at <paramref name="path"/> through a temporary file in the same folder, moved into place once
    /// complete: a reader never sees half a file, and a failed write leaves any earlier file there untouched.
    /// </summary>
    public void Write(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
                WriteTo(file);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>The whole file in memory (for small files and tests).</summary>
    public byte[] ToArray()
    {
        using var buffer = new MemoryStream();
        WriteTo(buffer);
        return buffer.ToArray();
    }

    private void WriteTo(Stream destination)
    {
        destination.Write(Header());
        byte[]? fillBuffer = RentFillBuffer();
        try
        {
            foreach (var tensor in _tensors) tensor.WriteTo(destination, fillBuffer);
        }
        finally
        {
            if (fillBuffer is not null) ArrayPool<byte>.Shared.Return(fillBuffer);
        }
    }

    private byte[]? RentFillBuffer() =>
        _tensors.Any(t => t.IsGenerated) ? ArrayPool<byte>.Shared.Rent(TensorToWrite.FillChunkBytes) : null;

    /// <summary>The length prefix and the JSON header, padded with spaces to a multiple of 8.</summary>
    private byte[] Header()
    {
        var json = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            if (_metadata.Count > 0)
            {
                w.WriteStartObject("__metadata__");
                foreach (var (key, value) in _metadata) w.WriteString(key, value);
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
                w.WriteNumberValue(offset + t.ByteLength);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += t.ByteLength;
            }
            w.WriteEndObject();
        }
        int padded = (json.WrittenCount + 7) / 8 * 8;
        var header = new byte[8 + padded];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)padded);
        json.WrittenSpan.CopyTo(header.AsSpan(8));
        header.AsSpan(8 + json.WrittenCount).Fill((byte)' ');
        return header;
    }
}
