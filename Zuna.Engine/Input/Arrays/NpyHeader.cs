using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace Zuna.Engine.Input.Arrays;

/// <summary>
/// The header of a NumPy .npy file (format versions 1–3): magic "\x93NUMPY", version, header length, then a Python
/// dict literal with 'descr', 'fortran_order' and 'shape'. Only what a recording needs is accepted: a 2-D array of
/// little-endian float32/float64/int16/int32.
/// </summary>
public sealed partial record NpyHeader(string Dtype, bool FortranOrder, long Rows, long Columns, int DataOffset)
{
    private const int MaxHeaderBytes = 1 << 16;

    public static bool IsNpy(ReadOnlySpan<byte> head) => head.Length >= 6 && head[0] == 0x93 && head[1..6].SequenceEqual("NUMPY"u8);

    public int Width => Dtype[^1] - '0';

    public static NpyHeader Parse(ReadOnlySpan<byte> head, string name)
    {
        if (!IsNpy(head) || head.Length < 10) throw new RecordingFormatException($"{name}: not a .npy file (no \\x93NUMPY magic).");
        int major = head[6];
        int lengthBytes = major == 1 ? 2 : major is 2 or 3 ? 4 : throw new RecordingFormatException($"{name}: .npy format version {major} is not supported (1 to 3 are).");
        if (head.Length < 8 + lengthBytes) throw new RecordingFormatException($"{name}: the .npy header is cut off.");
        long headerLength = lengthBytes == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(head[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(head[8..]);
        int offset = 8 + lengthBytes;
        if (headerLength > MaxHeaderBytes || offset + headerLength > head.Length)
            throw new RecordingFormatException($"{name}: the .npy header claims {headerLength} bytes; the file holds {head.Length - offset} after the preamble.");
        string text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(head.Slice(offset, (int)headerLength));

        var descr = Descr().Match(text);
        var fortran = Fortran().Match(text);
        var shape = Shape().Match(text);
        if (!descr.Success || !fortran.Success || !shape.Success)
            throw new RecordingFormatException($"{name}: the .npy header '{Shorten(text)}' lacks descr, fortran_order or shape.");
        string dtype = descr.Groups[1].Value;
        if (dtype is not ("<f4" or "<f8" or "<i2" or "<i4"))
            throw new RecordingFormatException($"{name}: .npy dtype '{dtype}' is not supported; save little-endian float32, float64, int16 or int32 ('<f4', '<f8', '<i2', '<i4').");
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (dims.Length != 2)
            throw new RecordingFormatException($"{name}: the .npy array has shape ({shape.Groups[1].Value}); a recording is 2-D, channels × samples.");
        if (!long.TryParse(dims[0], out long rows) || !long.TryParse(dims[1], out long columns) || rows <= 0 || columns <= 0)
            throw new RecordingFormatException($"{name}: the .npy shape ({shape.Groups[1].Value}) is not two positive sizes.");
        return new NpyHeader(dtype, fortran.Groups[1].Value == "True", rows, columns, offset + (int)headerLength);
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex Descr();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex Fortran();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex Shape();
}
