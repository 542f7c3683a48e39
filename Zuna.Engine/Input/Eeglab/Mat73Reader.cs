using PureHDF;
using PureHDF.VOL.Native;

namespace Zuna.Engine.Input.Eeglab;

/// <summary>
/// MAT-file v7.3: a 512-byte MAT header followed by an HDF5 file (read with PureHDF), decoded the way pymatreader
/// gives it to MNE: each variable a dataset or group with a MATLAB_class attribute; arrays stored transposed (so the
/// flat buffer is MATLAB's column-major order); char as uint16; struct arrays as groups whose fields are references
/// into #refs#; empty values marked MATLAB_empty. The result is the same tree the MAT v5 reader makes.
/// </summary>
public sealed class Mat73Reader
{
    private const int MaxDepth = 32;
    private static readonly byte[] HdfSignature = [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1a, (byte)'\n'];

    private readonly string _name;
    private readonly NativeGroup? _refs;
    private long _budget;

    private Mat73Reader(string name, NativeGroup? refs, long fileLength)
    {
        _name = name;
        _refs = refs;
        // As for MAT v5: a compressed dataset may inflate to 64× the file (at least 64 MB), never more.
        _budget = Math.Min(Math.Max(fileLength * 64, 64L << 20), Array.MaxLength);
    }

    public static bool IsMat73(ReadOnlySpan<byte> file) =>
        file.Length >= 520 && file[..10].SequenceEqual("MATLAB 7.3"u8) && file[512..520].SequenceEqual(HdfSignature);

    public static Dictionary<string, MatValue> Read(byte[] file, string name)
    {
        try
        {
            using var stream = new MemoryStream(file, writable: false);
            using var h5 = H5File.Open(stream, leaveOpen: true);
            var refs = h5.LinkExists("#refs#") ? h5.Group("#refs#") as NativeGroup : null;
            var reader = new Mat73Reader(name, refs, file.Length);
            var variables = new Dictionary<string, MatValue>(StringComparer.Ordinal);
            foreach (var child in h5.Children())
                if (!child.Name.StartsWith('#')) variables[child.Name] = reader.Convert(child, 0);
            return variables;
        }
        catch (ZunaInputException) { throw; }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // PureHDF reports damaged files with many exception types; all of them mean the same to the user.
            throw new RecordingFormatException($"{name}: not a readable MAT v7.3 (HDF5) file ({e.Message}).", e);
        }
    }

    private MatValue Convert(IH5Object item, int depth)
    {
        if (depth > MaxDepth) throw Broken($"values nest deeper than {MaxDepth} levels");
        return item switch
        {
            IH5Group group => Struct(group, depth),
            IH5Dataset dataset => Dataset(dataset, depth),
            _ => new MatOther([0, 0], "link"),
        };
    }

    /// <summary>A struct: fields stored directly (1×1), or as reference datasets with one reference per element (struct array).</summary>
    private MatStruct Struct(IH5Group group, int depth)
    {
        var fields = group.Children().ToList();
        var arrayField = fields.OfType<IH5Dataset>().FirstOrDefault(d => d.Type.Class == H5DataTypeClass.Reference && ClassOf(d) is null);
        if (arrayField is null)
        {
            var single = fields.ToDictionary(f => f.Name, f => Convert(f, depth + 1), StringComparer.Ordinal);
            return new MatStruct([1, 1], single.Keys.ToList(), [single]);
        }

        int[] dims = MatlabDims(arrayField.Space.Dimensions);
        long count = dims.Aggregate(1L, (a, d) => a * d);
        var references = new Dictionary<string, NativeObjectReference1[]>(StringComparer.Ordinal);
        foreach (var field in fields.OfType<IH5Dataset>())
        {
            var refs = field.Read<NativeObjectReference1[]>();
            if (refs.Length != count) throw Broken($"struct field '{field.Name}' has {refs.Length} elements, the struct {count}");
            references[field.Name] = refs;
        }
        var elements = new IReadOnlyDictionary<string, MatValue>[count];
        for (int i = 0; i < count; i++)
            elements[i] = references.ToDictionary(r => r.Key, r => Convert(Dereference(r.Value[i]), depth + 1), StringComparer.Ordinal);
        return new MatStruct(dims, references.Keys.ToList(), elements);
    }

    private MatValue Dataset(IH5Dataset dataset, int depth)
    {
        string? cls = ClassOf(dataset);
        int[] dims = MatlabDims(dataset.Space.Dimensions);
        if (dataset.AttributeExists("MATLAB_empty"))
            return cls switch
            {
                "char" => new MatChar([0, 0], []),
                "struct" => new MatStruct([0, 0], [], []),
                "cell" => new MatCell([0, 0], []),
                _ => new MatNumeric([0, 0], [], cls is "double" or "single"),
            };
        long count = dims.Aggregate(1L, (a, d) => a * d);
        _budget -= count * Math.Max(1, (long)dataset.Type.Size);
        if (_budget < 0 || count > Array.MaxLength) throw Broken($"'{dataset.Name}' claims {count} values, more than the file can hold");

        if (cls == "cell" || dataset.Type.Class == H5DataTypeClass.Reference)
            return new MatCell(dims, dataset.Read<NativeObjectReference1[]>().Select(r => Convert(Dereference(r), depth + 1)).ToArray());
        if (cls == "char")
        {
            var chars = dataset.Read<ushort[]>();
            return new MatChar(dims, [new string(chars.Select(c => (char)c).ToArray())]);
        }
        double[] values = cls switch
        {
            "double" => dataset.Read<double[]>(),
            "single" => Widen(dataset.Read<float[]>()),
            "int8" => Widen(dataset.Read<sbyte[]>()),
            "uint8" or "logical" => Widen(dataset.Read<byte[]>()),
            "int16" => Widen(dataset.Read<short[]>()),
            "uint16" => Widen(dataset.Read<ushort[]>()),
            "int32" => Widen(dataset.Read<int[]>()),
            "uint32" => Widen(dataset.Read<uint[]>()),
            "int64" => Widen(dataset.Read<long[]>()),
            "uint64" => Widen(dataset.Read<ulong[]>()),
            _ => [],
        };
        return cls is null || values.Length == 0 && count > 0
            ? new MatOther(dims, cls ?? "unknown")
            : new MatNumeric(dims, values, cls is "double" or "single");
    }

    private IH5Object Dereference(NativeObjectReference1 reference) =>
        _refs is null ? throw Broken("a reference points into a missing #refs# group") : _refs.Get(reference);

    private static string? ClassOf(IH5Object item) =>
        item.AttributeExists("MATLAB_class") ? item.Attribute("MATLAB_class").Read<string>() : null;

    /// <summary>HDF5 stores MATLAB's dimensions in reverse order.</summary>
    private int[] MatlabDims(ulong[] dimensions)
    {
        var dims = dimensions.Reverse().Select(d => d > int.MaxValue ? throw Broken($"a dimension of {d}") : (int)d).ToArray();
        return dims.Length >= 2 ? dims : [1, dims.Length == 1 ? dims[0] : 1];
    }

    private static double[] Widen<T>(T[] values) where T : struct, IConvertible =>
        Array.ConvertAll(values, v => v.ToDouble(System.Globalization.CultureInfo.InvariantCulture));

    private RecordingFormatException Broken(string what) => new($"{_name}: not a readable MAT v7.3 file: {what}.");
}
