using System.Buffers.Binary;

namespace Zuna.Engine.Input.Arrays;

/// <summary>
/// NumPy .npy arrays [channels, samples] (C or Fortran order; &lt;f4, &lt;f8, &lt;i2, &lt;i4) with channel names, sample
/// rate and units from the <see cref="ArraySidecar"/> (rec.json beside rec.npy) and the array options (which win).
/// </summary>
public sealed class NpyRecordingReader : IArrayReader
{
    public string Format => "NumPy .npy";

    public IReadOnlyList<string> Extensions { get; } = [".npy"];

    public bool Recognises(ReadOnlySpan<byte> head) => NpyHeader.IsNpy(head);

    public RecordingContent Read(RecordingSource source)
    {
        using var stream = source.Open();
        var head = new byte[Math.Min(stream.Length, (1 << 16) + 16)];
        stream.ReadExactly(head);
        var header = NpyHeader.Parse(head, source.Name);
        long values = checked(header.Rows * header.Columns);
        long needed = header.DataOffset + values * header.Width;
        if (stream.Length < needed)
            throw new RecordingFormatException($"{source.Name}: shape ({header.Rows}, {header.Columns}) of {header.Dtype} needs {needed} bytes; the file holds {stream.Length}.");
        if (header.Columns > Array.MaxLength) throw new RecordingFormatException($"{source.Name}: {header.Columns} samples per channel is more than one recording can hold.");

        var sidecar = ArraySidecar.Read(source);
        if (sidecar.ChannelNames.Length != header.Rows)
            throw new RecordingFormatException($"{source.Name}: the sidecar names {sidecar.ChannelNames.Length} channels, the array has {header.Rows} rows (channels × samples expected).");
        double rate = ArrayRecording.SampleRate(source.Arrays, sidecar.SampleRate, source.Name);
        double factor = ArrayOptions.Factor(source.Arrays.Units ?? sidecar.Units ?? ArrayUnits.Volts);

        int channels = (int)header.Rows, samples = (int)header.Columns, width = header.Width;
        var volts = new double[channels][];
        for (int c = 0; c < channels; c++) volts[c] = new double[samples];
        stream.Position = header.DataOffset;
        var buffer = new byte[Math.Min(values * width, 1 << 20) / width * width];
        for (long done = 0; done < values;)
        {
            int count = (int)Math.Min(buffer.Length / width, values - done);
            stream.ReadExactly(buffer, 0, count * width);
            for (int k = 0; k < count; k++)
            {
                long index = done + k;
                // C order: one channel's samples in a row; Fortran order: one sample's channels together.
                int c = (int)(header.FortranOrder ? index % channels : index / samples);
                int t = (int)(header.FortranOrder ? index / channels : index % samples);
                volts[c][t] = Value(buffer.AsSpan(k * width, width), header.Dtype) * factor;
            }
            done += count;
        }
        return ArrayRecording.Create(source.Name, sidecar.ChannelNames, rate, volts, header.Dtype is "<f8" ? "double" : header.Dtype is "<f4" ? "single" : "int", []);
    }

    private static double Value(ReadOnlySpan<byte> b, string dtype) => dtype switch
    {
        "<f4" => BinaryPrimitives.ReadSingleLittleEndian(b),
        "<f8" => BinaryPrimitives.ReadDoubleLittleEndian(b),
        "<i2" => BinaryPrimitives.ReadInt16LittleEndian(b),
        _ => BinaryPrimitives.ReadInt32LittleEndian(b),
    };
}
