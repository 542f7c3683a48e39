using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Zuna.Api.Tests.TestSupport;

/// <summary>An array read from a NumPy .npy entry: shape plus values widened to double (or strings).</summary>
public sealed record NpyArray(long[] Shape, double[] Values, string[]? Strings = null)
{
    public long Length => Values.Length;
    /// <summary>Row r of a 2-D array.</summary>
    public ReadOnlySpan<double> Row(long r) => Values.AsSpan((int)(r * Shape[1]), (int)Shape[1]);
}

/// <summary>Reads the .npz reference files of ../shared (a zip of .npy, little-endian, C order).</summary>
public static partial class Npz
{
    public static Dictionary<string, NpyArray> Load(string path)
    {
        var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        using var zip = ZipFile.OpenRead(path);
        foreach (var entry in zip.Entries)
        {
            using var s = entry.Open();
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            result[Path.GetFileNameWithoutExtension(entry.Name)] = ParseNpy(ms.ToArray(), entry.Name);
        }
        return result;
    }

    private static NpyArray ParseNpy(byte[] b, string name)
    {
        if (b.Length < 10 || b[0] != 0x93 || Encoding.ASCII.GetString(b, 1, 5) != "NUMPY") throw new InvalidDataException($"{name}: not .npy");
        int major = b[6];
        int headerLen = major == 1 ? BitConverter.ToUInt16(b, 8) : BitConverter.ToInt32(b, 8);
        int dataStart = (major == 1 ? 10 : 12) + headerLen;
        string header = Encoding.Latin1.GetString(b, major == 1 ? 10 : 12, headerLen);
        string descr = DescrRegex().Match(header).Groups[1].Value;
        if (header.Contains("'fortran_order': True", StringComparison.Ordinal)) throw new InvalidDataException($"{name}: Fortran order not supported");
        string shapeText = ShapeRegex().Match(header).Groups[1].Value;
        long[] shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        long count = shape.Aggregate(1L, (a, x) => a * x);
        var data = b.AsSpan(dataStart);
        double[] values = descr switch
        {
            "<f8" => MemoryMarshal.Cast<byte, double>(data)[..(int)count].ToArray(),
            "<f4" => Array.ConvertAll(MemoryMarshal.Cast<byte, float>(data)[..(int)count].ToArray(), x => (double)x),
            "<i8" => Array.ConvertAll(MemoryMarshal.Cast<byte, long>(data)[..(int)count].ToArray(), x => (double)x),
            "<i4" => Array.ConvertAll(MemoryMarshal.Cast<byte, int>(data)[..(int)count].ToArray(), x => (double)x),
            _ when descr.StartsWith("<U", StringComparison.Ordinal) => [],
            _ => throw new InvalidDataException($"{name}: dtype {descr} not supported"),
        };
        string[]? strings = null;
        if (descr.StartsWith("<U", StringComparison.Ordinal))
        {
            int width = int.Parse(descr[2..], System.Globalization.CultureInfo.InvariantCulture);
            strings = new string[count];
            for (int i = 0; i < count; i++)
                strings[i] = Encoding.UTF32.GetString(b, dataStart + i * width * 4, width * 4).TrimEnd('\0');
        }
        return new NpyArray(shape, values, strings);
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrRegex();
    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}
