using System.Buffers.Binary;
using System.Text;

namespace Zuna.Engine.Fif;

/// <summary>
/// Appends big-endian FIF tags (16-byte header with next = 0, then the payload) to a growable byte buffer
/// that the caller flushes to its stream; spec §A2, §A6, §A7.
/// </summary>
internal sealed class FifTagWriter
{
    private byte[] _buffer = new byte[1 << 16];

    public int Length { get; private set; }
    public ReadOnlyMemory<byte> Pending => _buffer.AsMemory(0, Length);
    public void Clear() => Length = 0;

    /// <summary>Reserves <paramref name="size"/> payload bytes after a tag header and returns them to be filled.</summary>
    public Span<byte> BeginTag(int kind, int type, int size, int next = 0)
    {
        Ensure(FifConst.TagHeaderSize + size);
        var h = _buffer.AsSpan(Length, FifConst.TagHeaderSize);
        BinaryPrimitives.WriteInt32BigEndian(h, kind);
        BinaryPrimitives.WriteInt32BigEndian(h[4..], type);
        BinaryPrimitives.WriteInt32BigEndian(h[8..], size);
        BinaryPrimitives.WriteInt32BigEndian(h[12..], next);
        var payload = _buffer.AsSpan(Length + FifConst.TagHeaderSize, size);
        Length += FifConst.TagHeaderSize + size;
        return payload;
    }

    public void Int(int kind, int value) => BinaryPrimitives.WriteInt32BigEndian(BeginTag(kind, FifConst.TypeInt, 4), value);

    public void Ints(int kind, params ReadOnlySpan<int> values)
    {
        var p = BeginTag(kind, FifConst.TypeInt, 4 * values.Length);
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt32BigEndian(p[(4 * i)..], values[i]);
    }

    public void Float(int kind, float value) => BinaryPrimitives.WriteSingleBigEndian(BeginTag(kind, FifConst.TypeFloat, 4), value);

    public void Floats(int kind, ReadOnlySpan<float> values)
    {
        var p = BeginTag(kind, FifConst.TypeFloat, 4 * values.Length);
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleBigEndian(p[(4 * i)..], values[i]);
    }

    public void Doubles(int kind, params ReadOnlySpan<double> values)
    {
        var p = BeginTag(kind, FifConst.TypeDouble, 8 * values.Length);
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleBigEndian(p[(8 * i)..], values[i]);
    }

    /// <summary>FIFF strings are Latin-1; characters outside it become '?' (MNE 1.3 cannot store them either).</summary>
    public void String(int kind, string value)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(value);
        bytes.CopyTo(BeginTag(kind, FifConst.TypeString, bytes.Length));
    }

    public void StartBlock(int block) => Int(FifConst.BlockStart, block);
    public void EndBlock(int block) => Int(FifConst.BlockEnd, block);

    public void Id(int kind, FifId id)
    {
        var p = BeginTag(kind, FifConst.TypeIdStruct, 20);
        BinaryPrimitives.WriteInt32BigEndian(p, id.Version);
        BinaryPrimitives.WriteInt32BigEndian(p[4..], id.MachineId0);
        BinaryPrimitives.WriteInt32BigEndian(p[8..], id.MachineId1);
        BinaryPrimitives.WriteInt32BigEndian(p[12..], id.Seconds);
        BinaryPrimitives.WriteInt32BigEndian(p[16..], id.Microseconds);
    }

    /// <summary>Channel info struct; range and cal are written as given (the writer passes 1, 1: data are stored in volts).</summary>
    public void Channel(FifChannel ch, int scanNumber, string structName, float range, float cal)
    {
        var p = BeginTag(FifConst.ChInfo, FifConst.TypeChInfoStruct, FifConst.ChInfoStructSize);
        BinaryPrimitives.WriteInt32BigEndian(p, scanNumber);
        BinaryPrimitives.WriteInt32BigEndian(p[4..], ch.LogicalNumber);
        BinaryPrimitives.WriteInt32BigEndian(p[8..], ch.Kind);
        BinaryPrimitives.WriteSingleBigEndian(p[12..], range);
        BinaryPrimitives.WriteSingleBigEndian(p[16..], cal);
        BinaryPrimitives.WriteInt32BigEndian(p[20..], ch.CoilType);
        for (int i = 0; i < 12; i++)
            BinaryPrimitives.WriteSingleBigEndian(p[(24 + 4 * i)..], i < ch.Location.Length ? ch.Location[i] : 0f);
        BinaryPrimitives.WriteInt32BigEndian(p[72..], ch.Unit);
        BinaryPrimitives.WriteInt32BigEndian(p[76..], ch.UnitMultiplier);
        var name = p.Slice(80, 16);
        name.Clear();
        Encoding.UTF8.GetBytes(structName).AsSpan().CopyTo(name); // caller guarantees ≤ 15 bytes
    }

    public void DigPoint(FifDigPoint d)
    {
        var p = BeginTag(FifConst.DigPoint, FifConst.TypeDigPointStruct, 20);
        BinaryPrimitives.WriteInt32BigEndian(p, d.Kind);
        BinaryPrimitives.WriteInt32BigEndian(p[4..], d.Ident);
        BinaryPrimitives.WriteSingleBigEndian(p[8..], d.X);
        BinaryPrimitives.WriteSingleBigEndian(p[12..], d.Y);
        BinaryPrimitives.WriteSingleBigEndian(p[16..], d.Z);
    }

    private void Ensure(int extra)
    {
        long needed = (long)Length + extra;
        if (needed <= _buffer.Length) return;
        if (needed > Array.MaxLength) throw new InvalidOperationException("FIF tag larger than an array can hold.");
        Array.Resize(ref _buffer, (int)Math.Min(Array.MaxLength, Math.Max(needed, 2L * _buffer.Length)));
    }
}
