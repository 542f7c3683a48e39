using System.Buffers.Binary;
using System.Text;

namespace Zuna.Engine.Fif;

/// <summary>Decodes the payload of small (non-data) tags; every number is big-endian (spec §A1).</summary>
internal static class FifPayload
{
    /// <summary>Metadata tags larger than this are refused (data buffers are streamed, never loaded through here).</summary>
    private const int MaxMetadataTagBytes = 64 << 20;

    public static byte[] ReadBytes(FifSource src, FifTagEntry tag)
    {
        if (tag.Size > MaxMetadataTagBytes)
            throw new FifFormatException($"{src.Name}: tag kind {tag.Kind} at byte {tag.Position} claims {tag.Size} bytes, too large for a header tag.");
        src.CheckRange(tag.PayloadPosition, tag.Size, $"payload of tag kind {tag.Kind}");
        var bytes = new byte[tag.Size];
        src.ReadExactly(tag.PayloadPosition, bytes);
        return bytes;
    }

    public static int ReadInt(FifSource src, FifTagEntry tag)
    {
        Require(src, tag, 4);
        Span<byte> b = stackalloc byte[4];
        src.ReadExactly(tag.PayloadPosition, b);
        return BinaryPrimitives.ReadInt32BigEndian(b);
    }

    /// <summary>A scalar decoded according to its type code (int, short, float or double), as MNE does.</summary>
    public static double ReadNumber(FifSource src, FifTagEntry tag)
    {
        Span<byte> b = stackalloc byte[8];
        switch (tag.Type)
        {
            case FifConst.TypeInt: Require(src, tag, 4); src.ReadExactly(tag.PayloadPosition, b[..4]); return BinaryPrimitives.ReadInt32BigEndian(b);
            case FifConst.TypeFloat: Require(src, tag, 4); src.ReadExactly(tag.PayloadPosition, b[..4]); return BinaryPrimitives.ReadSingleBigEndian(b);
            case FifConst.TypeDouble: Require(src, tag, 8); src.ReadExactly(tag.PayloadPosition, b); return BinaryPrimitives.ReadDoubleBigEndian(b);
            case FifConst.TypeShort: Require(src, tag, 2); src.ReadExactly(tag.PayloadPosition, b[..2]); return BinaryPrimitives.ReadInt16BigEndian(b);
            default: throw new FifFormatException($"{src.Name}: tag kind {tag.Kind} at byte {tag.Position} has type {tag.Type}, expected a number.");
        }
    }

    public static int[] ReadInts(FifSource src, FifTagEntry tag)
    {
        var b = ReadBytes(src, tag);
        var r = new int[b.Length / 4];
        for (int i = 0; i < r.Length; i++) r[i] = BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(4 * i));
        return r;
    }

    /// <summary>float32 or float64 array widened to double (annotation onsets, meas date of annotations).</summary>
    public static double[] ReadReals(FifSource src, FifTagEntry tag)
    {
        var b = ReadBytes(src, tag);
        switch (tag.Type)
        {
            case FifConst.TypeFloat:
            {
                var r = new double[b.Length / 4];
                for (int i = 0; i < r.Length; i++) r[i] = BinaryPrimitives.ReadSingleBigEndian(b.AsSpan(4 * i));
                return r;
            }
            case FifConst.TypeDouble:
            {
                var r = new double[b.Length / 8];
                for (int i = 0; i < r.Length; i++) r[i] = BinaryPrimitives.ReadDoubleBigEndian(b.AsSpan(8 * i));
                return r;
            }
            case FifConst.TypeInt:
                return Array.ConvertAll(ReadInts(src, tag), x => (double)x);
            default:
                throw new FifFormatException($"{src.Name}: tag kind {tag.Kind} at byte {tag.Position} has type {tag.Type}, expected float numbers.");
        }
    }

    /// <summary>FIFF strings are raw Latin-1 bytes without terminator.</summary>
    public static string ReadString(FifSource src, FifTagEntry tag) => Encoding.Latin1.GetString(ReadBytes(src, tag));

    public static FifId ReadId(FifSource src, FifTagEntry tag)
    {
        Require(src, tag, 20);
        Span<byte> b = stackalloc byte[20];
        src.ReadExactly(tag.PayloadPosition, b);
        return new FifId(BinaryPrimitives.ReadInt32BigEndian(b), BinaryPrimitives.ReadInt32BigEndian(b[4..]),
            BinaryPrimitives.ReadInt32BigEndian(b[8..]), BinaryPrimitives.ReadInt32BigEndian(b[12..]), BinaryPrimitives.ReadInt32BigEndian(b[16..]));
    }

    /// <summary>Channel info struct (type 30, 96 bytes, spec §A7).</summary>
    public static FifChannel ReadChannel(FifSource src, FifTagEntry tag)
    {
        Require(src, tag, FifConst.ChInfoStructSize);
        Span<byte> b = stackalloc byte[FifConst.ChInfoStructSize];
        src.ReadExactly(tag.PayloadPosition, b);
        var loc = new float[12];
        for (int i = 0; i < 12; i++) loc[i] = BinaryPrimitives.ReadSingleBigEndian(b[(24 + 4 * i)..]);
        var nameBytes = b.Slice(80, 16);
        int nul = nameBytes.IndexOf((byte)0);
        if (nul >= 0) nameBytes = nameBytes[..nul];
        return new FifChannel(
            Name: DecodeName(nameBytes),
            ScanNumber: BinaryPrimitives.ReadInt32BigEndian(b),
            LogicalNumber: BinaryPrimitives.ReadInt32BigEndian(b[4..]),
            Kind: BinaryPrimitives.ReadInt32BigEndian(b[8..]),
            Range: BinaryPrimitives.ReadSingleBigEndian(b[12..]),
            Cal: BinaryPrimitives.ReadSingleBigEndian(b[16..]),
            CoilType: BinaryPrimitives.ReadInt32BigEndian(b[20..]),
            Location: loc,
            Unit: BinaryPrimitives.ReadInt32BigEndian(b[72..]),
            UnitMultiplier: BinaryPrimitives.ReadInt32BigEndian(b[76..]),
            CoordFrame: FifConst.CoordUnknown);
    }

    public static FifDigPoint ReadDigPoint(FifSource src, FifTagEntry tag, int coordFrame)
    {
        Require(src, tag, 20);
        Span<byte> b = stackalloc byte[20];
        src.ReadExactly(tag.PayloadPosition, b);
        return new FifDigPoint(BinaryPrimitives.ReadInt32BigEndian(b), BinaryPrimitives.ReadInt32BigEndian(b[4..]),
            BinaryPrimitives.ReadSingleBigEndian(b[8..]), BinaryPrimitives.ReadSingleBigEndian(b[12..]),
            BinaryPrimitives.ReadSingleBigEndian(b[16..]), coordFrame);
    }

    /// <summary>Channel names in the struct are UTF-8 in MNE; fall back to Latin-1 for bytes that are not valid UTF-8.</summary>
    private static string DecodeName(ReadOnlySpan<byte> bytes)
    {
        try { return new UTF8Encoding(false, true).GetString(bytes); }
        catch (DecoderFallbackException) { return Encoding.Latin1.GetString(bytes); }
    }

    private static void Require(FifSource src, FifTagEntry tag, int bytes)
    {
        if (tag.Size < bytes)
            throw new FifFormatException($"{src.Name}: tag kind {tag.Kind} at byte {tag.Position} has {tag.Size} bytes, expected at least {bytes}.");
    }
}
