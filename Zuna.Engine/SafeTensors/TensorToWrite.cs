using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Zuna.Engine.SafeTensors;

/// <summary>
/// One tensor for <see cref="SafeTensorsWriter"/>: its header entry (name, dtype, shape) and where its bytes come from.
/// The source is either a region of an array, referenced and never copied (outputs of hundreds of MB would otherwise
/// be held twice while they are written), or a fill callback for generated data (random multi-GB checkpoints that
/// never exist in memory as a whole). The shape is checked against the source when the tensor is created.
/// </summary>
public sealed class TensorToWrite
{
    private readonly Array? _array;
    private readonly long _byteOffset;
    private readonly Action<Span<byte>>? _fill;

    private TensorToWrite(string name, string dtype, long[] shape, Array? array, long byteOffset, long sourceBytes, Action<Span<byte>>? fill)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (name == "__metadata__") throw new ArgumentException("'__metadata__' is reserved for the metadata map, not a tensor name.", nameof(name));
        if (!SafeTensorsFile.TryDtypeSize(dtype, out int elementSize))
            throw new ArgumentException($"tensor '{name}': unknown safetensors dtype '{dtype}'.", nameof(dtype));
        if (shape.Any(d => d < 0))
            throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] has a negative dimension.", nameof(shape));
        long elements;
        try { elements = shape.Aggregate(1L, (a, b) => checked(a * b)); _ = checked(elements * elementSize); }
        catch (OverflowException) { throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] is too large.", nameof(shape)); }
        if (array is not null && elements * elementSize != sourceBytes)
            throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] holds {elements} {dtype} values ({elements * elementSize} bytes), the data has {sourceBytes} bytes.", nameof(shape));

        Name = name;
        Dtype = dtype;
        Shape = (long[])shape.Clone();   // the caller's params array must not change the header after the checks
        ElementCount = elements;
        ByteLength = elements * elementSize;
        _array = array;
        _byteOffset = byteOffset;
        _fill = fill;
    }

    public string Name { get; }
    public string Dtype { get; }
    public IReadOnlyList<long> Shape { get; }
    public long ElementCount { get; }
    public long ByteLength { get; }

    /// <summary>True for a tensor written by a fill callback: it has no values to read before it is written.</summary>
    public bool IsGenerated => _fill is not null;

    /// <summary>F32 values, read from <paramref name="data"/> when the tensor is written (later changes to the array show up).</summary>
    public static TensorToWrite Of(string name, ArraySegment<float> data, params long[] shape) => Region(name, "F32", data, shape);

    /// <summary>F64 values, read from <paramref name="data"/> when the tensor is written.</summary>
    public static TensorToWrite Of(string name, ArraySegment<double> data, params long[] shape) => Region(name, "F64", data, shape);

    /// <summary>I64 values, read from <paramref name="data"/> when the tensor is written.</summary>
    public static TensorToWrite Of(string name, ArraySegment<long> data, params long[] shape) => Region(name, "I64", data, shape);

    /// <summary>Raw little-endian bytes of any dtype (U8, BF16, F16, …), read from <paramref name="data"/> when the tensor is written.</summary>
    public static TensorToWrite OfBytes(string name, string dtype, ArraySegment<byte> data, params long[] shape) => Region(name, dtype, data, shape);

    /// <summary>
    /// Data produced while writing: <paramref name="fill"/> is called with consecutive chunks that together cover the
    /// tensor's bytes in order, each cleared first and a whole number of elements long, so memory stays bounded by one
    /// chunk however large the tensor. A stateful generator simply continues from one chunk to the next.
    /// </summary>
    public static TensorToWrite Generated(string name, string dtype, long[] shape, Action<Span<byte>> fill)
    {
        ArgumentNullException.ThrowIfNull(fill);
        return new TensorToWrite(name, dtype, shape, null, 0, 0, fill);
    }

    private static TensorToWrite Region<T>(string name, string dtype, ArraySegment<T> data, long[] shape) where T : unmanaged
    {
        var array = data.Array ?? throw new ArgumentNullException(nameof(data), $"tensor '{name}' has no data array.");
        return new TensorToWrite(name, dtype, shape, array, (long)data.Offset * Unsafe.SizeOf<T>(), (long)data.Count * Unsafe.SizeOf<T>(), null);
    }

    /// <summary>The values of an F32 tensor, straight from its array (for writers of other formats that enumerate a layout).</summary>
    public ReadOnlySpan<float> AsFloat32() => MemoryMarshal.Cast<byte, float>(SourceBytes("F32"));

    /// <summary>The values of a U8 tensor (masks), straight from its array.</summary>
    public ReadOnlySpan<byte> AsUInt8() => SourceBytes("U8");

    /// <summary>The values of an F64 tensor, straight from its array.</summary>
    public ReadOnlySpan<double> AsFloat64() => MemoryMarshal.Cast<byte, double>(SourceBytes("F64"));

    /// <summary>The values of an I64 tensor, straight from its array.</summary>
    public ReadOnlySpan<long> AsInt64() => MemoryMarshal.Cast<byte, long>(SourceBytes("I64"));

    private ReadOnlySpan<byte> SourceBytes(string dtype)
    {
        if (Dtype != dtype) throw new InvalidOperationException($"tensor '{Name}' is {Dtype}, not {dtype}.");
        if (_array is null) throw new InvalidOperationException($"tensor '{Name}' is generated while it is written; it has no values to read.");
        if (ByteLength > int.MaxValue) throw new InvalidOperationException($"tensor '{Name}' ({ByteLength} bytes) is too large for one span.");
        return ArrayBytes(0, (int)ByteLength);
    }

    /// <summary>Largest piece of an array written at once: spans and Memory are int-indexed, arrays may hold more bytes.</summary>
    private const int MaxPieceBytes = 1 << 30;

    /// <summary>Size of the pooled buffer generated tensors are filled in: a multiple of every dtype's size.</summary>
    internal const int FillChunkBytes = 1 << 20;

    internal void WriteTo(Stream destination, byte[]? fillBuffer)
    {
        if (_array is not null)
        {
            for (long done = 0; done < ByteLength; done += MaxPieceBytes)
                destination.Write(ArrayBytes(done, (int)Math.Min(MaxPieceBytes, ByteLength - done)));
            return;
        }
        for (long done = 0; done < ByteLength; done += FillChunkBytes)
            destination.Write(Fill(fillBuffer, (int)Math.Min(FillChunkBytes, ByteLength - done)));
    }

    internal async Task WriteToAsync(Stream destination, byte[]? fillBuffer, CancellationToken cancellationToken)
    {
        if (_array is not null)
        {
            for (long done = 0; done < ByteLength; done += MaxPieceBytes)
            {
                // Stream.WriteAsync takes Memory, which cannot alias a float[] as bytes; a MemoryManager can, without a copy.
                var piece = new ArrayRegionMemory(_array, _byteOffset + done, (int)Math.Min(MaxPieceBytes, ByteLength - done));
                await destination.WriteAsync(piece.Memory, cancellationToken);
            }
            return;
        }
        for (long done = 0; done < ByteLength; done += FillChunkBytes)
        {
            int length = (int)Math.Min(FillChunkBytes, ByteLength - done);
            Fill(fillBuffer, length);
            await destination.WriteAsync(fillBuffer!.AsMemory(0, length), cancellationToken);
        }
    }

    private Span<byte> Fill(byte[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length) throw new InvalidOperationException($"tensor '{Name}' is generated but no fill buffer was given.");
        var chunk = buffer.AsSpan(0, length);
        chunk.Clear();
        _fill!(chunk);
        return chunk;
    }

    private ReadOnlySpan<byte> ArrayBytes(long offset, int length) => ArrayRegionMemory.Bytes(_array!, _byteOffset + offset, length);

    /// <summary>A byte view of part of any primitive array, pinned only while a stream's async write holds it.</summary>
    private sealed unsafe class ArrayRegionMemory(Array array, long byteOffset, int length) : MemoryManager<byte>
    {
        public static Span<byte> Bytes(Array array, long byteOffset, int length) =>
            MemoryMarshal.CreateSpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(array), (nint)byteOffset), length);

        public override Span<byte> GetSpan() => Bytes(array, byteOffset, length);

        public override MemoryHandle Pin(int elementIndex = 0)
        {
            // The GCHandle keeps the array in place; MemoryHandle.Dispose frees it, so Unpin has nothing left to do.
            var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
            void* pointer = Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(array), (nint)(byteOffset + elementIndex)));
            return new MemoryHandle(pointer, handle, this);
        }

        public override void Unpin() { }

        protected override void Dispose(bool disposing) { }
    }
}
