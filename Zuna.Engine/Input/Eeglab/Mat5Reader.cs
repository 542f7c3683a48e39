using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Zuna.Engine.Input.Eeglab;

/// <summary>
/// MAT-file version 5 (MATLAB's default before v7.3, and what EEGLAB and scipy.io.savemat write): a 128-byte text
/// header, then tagged data elements, each variable a miMATRIX (possibly inside a zlib miCOMPRESSED element). Reads the
/// classes EEGLAB uses — numeric, logical, char, struct, cell — and skips the rest. Little-endian files only.
/// Every size is checked against the bytes that are really there before anything is allocated, and inflated data is
/// capped, so a damaged or hostile file ends in a <see cref="RecordingFormatException"/>.
/// </summary>
public sealed class Mat5Reader
{
    private const int HeaderBytes = 128;
    private const int MaxDepth = 32;
    private const int MiInt8 = 1, MiUInt8 = 2, MiInt16 = 3, MiUInt16 = 4, MiInt32 = 5, MiUInt32 = 6, MiSingle = 7,
        MiDouble = 9, MiInt64 = 12, MiUInt64 = 13, MiMatrix = 14, MiCompressed = 15, MiUtf8 = 16, MiUtf16 = 17, MiUtf32 = 18;
    private const int MxCell = 1, MxStruct = 2, MxObject = 3, MxChar = 4, MxDouble = 6, MxSingle = 7, MxUInt64 = 15;

    private readonly string _name;
    private long _inflateBudget;

    private Mat5Reader(string name, long fileLength)
    {
        _name = name;
        // EEG numbers compress about 2:1; 64:1 (at least 64 MB) lets every real file through and stops zip bombs.
        _inflateBudget = Math.Min(Math.Max(fileLength * 64, 64L << 20), Array.MaxLength);
    }

    /// <summary>True when the 128-byte header says MAT 5.0 (the v7.3 header says 7.3 and is followed by HDF5).</summary>
    public static bool IsMat5(ReadOnlySpan<byte> head) =>
        head.Length >= 10 && head[..10].SequenceEqual("MATLAB 5.0"u8);

    /// <summary>The file's variables by name.</summary>
    public static Dictionary<string, MatValue> Read(byte[] file, string name)
    {
        if (file.Length < HeaderBytes) throw new RecordingFormatException($"{name}: {file.Length} bytes is shorter than a MAT-file header (128).");
        if (file[126] == 'M' && file[127] == 'I') throw new RecordingFormatException($"{name}: big-endian MAT-files are not supported; save it again on a little-endian machine.");
        if (file[126] != 'I' || file[127] != 'M') throw new RecordingFormatException($"{name}: not a MAT-file (no 'IM' endian mark at byte 126).");
        var reader = new Mat5Reader(name, file.Length);
        var variables = new Dictionary<string, MatValue>(StringComparer.Ordinal);
        int pos = HeaderBytes;
        while (pos + 8 <= file.Length)
        {
            var element = reader.Tag(file, ref pos);
            if (element.Type == MiCompressed)
            {
                byte[] inflated = reader.Inflate(file.AsMemory(element.Start, element.Length));
                int inner = 0;
                var tag = reader.Tag(inflated, ref inner);
                if (tag.Type != MiMatrix) continue;
                var (varName, value) = reader.Matrix(inflated.AsSpan(tag.Start, tag.Length), 0);
                variables[varName] = value;
            }
            else if (element.Type == MiMatrix)
            {
                var (varName, value) = reader.Matrix(file.AsSpan(element.Start, element.Length), 0);
                variables[varName] = value;
            }
        }
        return variables;
    }

    private readonly record struct Element(int Type, int Start, int Length);

    /// <summary>Reads a tag at <paramref name="pos"/> and moves past its data (8-byte aligned, except compressed data).</summary>
    private Element Tag(ReadOnlySpan<byte> data, ref int pos)
    {
        if (pos + 8 > data.Length) throw Broken($"a data element at byte {pos} is cut off");
        uint first = BinaryPrimitives.ReadUInt32LittleEndian(data[pos..]);
        if ((first >> 16) != 0)
        {
            // Small data element: type and size share the first four bytes, the data the next four.
            int smallLength = (int)(first >> 16);
            if (smallLength > 4) throw Broken($"a small data element at byte {pos} claims {smallLength} bytes (at most 4)");
            var small = new Element((int)(first & 0xFFFF), pos + 4, smallLength);
            pos += 8;
            return small;
        }
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(data[(pos + 4)..]);
        if (length > data.Length - pos - 8) throw Broken($"a data element at byte {pos} claims {length} bytes, but only {data.Length - pos - 8} follow");
        var element = new Element((int)first, pos + 8, (int)length);
        long next = pos + 8L + (first == MiCompressed ? length : (length + 7) / 8 * 8);
        pos = (int)Math.Min(next, data.Length);
        return element;
    }

    private byte[] Inflate(ReadOnlyMemory<byte> compressed)
    {
        using var input = new ReadOnlyMemoryStream(compressed);
        using var zlib = new ZLibStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[81920];
        try
        {
            int read;
            while ((read = zlib.Read(buffer)) > 0)
            {
                _inflateBudget -= read;
                if (_inflateBudget < 0) throw Broken("its compressed variables inflate to more than a .set file can hold");
                output.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException e) { throw new RecordingFormatException($"{_name}: a compressed variable is damaged ({e.Message}).", e); }
        return output.ToArray();
    }

    /// <summary>One miMATRIX's contents: array flags, dimensions, name, then the class's own elements.</summary>
    private (string Name, MatValue Value) Matrix(ReadOnlySpan<byte> data, int depth)
    {
        if (depth > MaxDepth) throw Broken($"cells and structs nest deeper than {MaxDepth} levels");
        if (data.Length == 0) return ("", new MatNumeric([0, 0], [], true)); // an empty cell or field
        int pos = 0;
        var flags = Tag(data, ref pos);
        if (flags.Length < 8) throw Broken("a matrix has no array flags");
        uint flagWord = BinaryPrimitives.ReadUInt32LittleEndian(data[flags.Start..]);
        int cls = (int)(flagWord & 0xFF);
        bool complex = (flagWord & 0x800) != 0;

        var dimsElement = Tag(data, ref pos);
        if (dimsElement.Type != MiInt32 || dimsElement.Length < 8 || dimsElement.Length % 4 != 0) throw Broken("a matrix has no valid dimensions");
        var dims = new int[dimsElement.Length / 4];
        long count = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32LittleEndian(data[(dimsElement.Start + 4 * i)..]);
            if (dims[i] < 0) throw Broken($"a matrix has a negative dimension ({dims[i]})");
            count *= dims[i];
            if (count > Array.MaxLength) throw Broken($"a matrix claims more than {Array.MaxLength} elements");
        }

        var nameElement = Tag(data, ref pos);
        string name = Encoding.Latin1.GetString(data.Slice(nameElement.Start, nameElement.Length)).TrimEnd('\0');

        return (name, cls switch
        {
            MxCell => Cell(data, pos, dims, (int)count, depth),
            MxStruct => Struct(data, pos, dims, (int)count, depth, hasClassName: false),
            MxObject => Struct(data, pos, dims, (int)count, depth, hasClassName: true),
            MxChar => Char(data, pos, dims, (int)count),
            >= MxDouble and <= MxUInt64 => Numeric(data, pos, dims, (int)count, cls, complex),
            _ => new MatOther(dims, $"class {cls}"),
        });
    }

    private MatCell Cell(ReadOnlySpan<byte> data, int pos, int[] dims, int count, int depth)
    {
        if ((long)count * 8 > data.Length - pos) throw Broken($"a cell array claims {count} cells in {data.Length - pos} bytes");
        var items = new MatValue[count];
        for (int i = 0; i < count; i++)
        {
            var element = Tag(data, ref pos);
            if (element.Type != MiMatrix) throw Broken($"cell {i + 1} is not a matrix (type {element.Type})");
            items[i] = Matrix(data.Slice(element.Start, element.Length), depth + 1).Value;
        }
        return new MatCell(dims, items);
    }

    private static readonly IReadOnlyDictionary<string, MatValue> EmptyFields = new Dictionary<string, MatValue>(StringComparer.Ordinal);

    private MatStruct Struct(ReadOnlySpan<byte> data, int pos, int[] dims, int count, int depth, bool hasClassName)
    {
        if (hasClassName) Tag(data, ref pos);
        var lengthElement = Tag(data, ref pos);
        if (lengthElement.Length < 4) throw Broken("a struct has no field-name length");
        int nameLength = BinaryPrimitives.ReadInt32LittleEndian(data[lengthElement.Start..]);
        var namesElement = Tag(data, ref pos);
        if (nameLength <= 0 || namesElement.Length % nameLength != 0) throw Broken($"a struct's field names ({namesElement.Length} bytes) do not split into names of {nameLength} bytes");
        int fieldCount = namesElement.Length / nameLength;
        var fields = new string[fieldCount];
        for (int f = 0; f < fieldCount; f++)
            fields[f] = Encoding.Latin1.GetString(data.Slice(namesElement.Start + f * nameLength, nameLength)).Split('\0')[0];
        // Elements without fields take no bytes in the file, so their count is bounded by the matrix's size instead
        // (a fuzzed 2.6 KB file claimed a million of them: 79 MB of empty dictionaries); they share one empty map.
        if (fieldCount == 0 ? count > Math.Max(4096, data.Length) : (long)count * fieldCount * 8 > data.Length - pos)
            throw Broken($"a struct array claims {count} elements of {fieldCount} fields in {data.Length - pos} bytes");

        var elements = new IReadOnlyDictionary<string, MatValue>[count];
        if (fieldCount == 0)
        {
            Array.Fill(elements, EmptyFields);
            return new MatStruct(dims, fields, elements);
        }
        for (int i = 0; i < count; i++)
        {
            var values = new Dictionary<string, MatValue>(fieldCount, StringComparer.Ordinal);
            foreach (string field in fields)
            {
                var element = Tag(data, ref pos);
                if (element.Type != MiMatrix) throw Broken($"field '{field}' is not a matrix (type {element.Type})");
                values[field] = Matrix(data.Slice(element.Start, element.Length), depth + 1).Value;
            }
            elements[i] = values;
        }
        return new MatStruct(dims, fields, elements);
    }

    private MatChar Char(ReadOnlySpan<byte> data, int pos, int[] dims, int count)
    {
        if (count == 0) return new MatChar(dims, []);
        var element = Tag(data, ref pos);
        var bytes = data.Slice(element.Start, element.Length);
        string text = element.Type switch
        {
            MiUtf16 or MiUInt16 => Encoding.Unicode.GetString(bytes[..(bytes.Length & ~1)]),
            MiUtf8 => Encoding.UTF8.GetString(bytes),
            MiUtf32 => Encoding.UTF32.GetString(bytes[..(bytes.Length & ~3)]),
            MiUInt8 or MiInt8 => Encoding.Latin1.GetString(bytes),
            _ => throw Broken($"a char array is stored as type {element.Type}"),
        };
        if (text.Length != count) return new MatChar(dims, [text]); // UTF-8 of non-ASCII text: keep it whole
        int rows = dims[0];
        int columns = count / Math.Max(rows, 1);
        var result = new string[rows];
        var line = new char[columns];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++) line[c] = text[r + rows * c];
            result[r] = new string(line);
        }
        return new MatChar(dims, result);
    }

    private MatNumeric Numeric(ReadOnlySpan<byte> data, int pos, int[] dims, int count, int cls, bool complex)
    {
        if (count == 0) return new MatNumeric(dims, [], cls is MxDouble or MxSingle);
        var element = Tag(data, ref pos);
        int width = Width(element.Type);
        if (element.Length != (long)count * width)
            throw Broken($"a numeric array of {count} values holds {element.Length} bytes of type {element.Type}");
        var values = new double[count];
        var bytes = data.Slice(element.Start, element.Length);
        for (int i = 0; i < count; i++) values[i] = Value(bytes.Slice(i * width, width), element.Type);
        if (complex) Tag(data, ref pos); // the imaginary part: EEGLAB data are real
        return new MatNumeric(dims, values, cls is MxDouble or MxSingle);
    }

    private int Width(int type) => type switch
    {
        MiInt8 or MiUInt8 => 1,
        MiInt16 or MiUInt16 => 2,
        MiInt32 or MiUInt32 or MiSingle => 4,
        MiDouble or MiInt64 or MiUInt64 => 8,
        _ => throw Broken($"numbers stored as type {type}"),
    };

    private static double Value(ReadOnlySpan<byte> b, int type) => type switch
    {
        MiInt8 => (sbyte)b[0],
        MiUInt8 => b[0],
        MiInt16 => BinaryPrimitives.ReadInt16LittleEndian(b),
        MiUInt16 => BinaryPrimitives.ReadUInt16LittleEndian(b),
        MiInt32 => BinaryPrimitives.ReadInt32LittleEndian(b),
        MiUInt32 => BinaryPrimitives.ReadUInt32LittleEndian(b),
        MiSingle => BinaryPrimitives.ReadSingleLittleEndian(b),
        MiInt64 => BinaryPrimitives.ReadInt64LittleEndian(b),
        MiUInt64 => BinaryPrimitives.ReadUInt64LittleEndian(b),
        _ => BinaryPrimitives.ReadDoubleLittleEndian(b),
    };

    private RecordingFormatException Broken(string what) => new($"{_name}: not a readable MAT-file: {what}.");

    /// <summary>A read-only stream over memory that is already there (no copy for the inflater).</summary>
    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> memory) : Stream
    {
        private int _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => memory.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(buffer.Length, memory.Length - _position);
            memory.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
