using System.Buffers.Binary;
using Zuna.Engine.Fif;

namespace Zuna.Engine.Input.BrainVision;

/// <summary>
/// BrainVision recordings: the .vhdr header names its binary data file (.eeg/.dat) and marker file (.vmrk), found beside
/// it on disk or among an upload's parts. Read as MNE 1.3's read_raw_brainvision: INT_16, INT_32 or IEEE_FLOAT_32,
/// multiplexed or vectorized, samples = data file size / (bytes × channels).
/// </summary>
public sealed class BrainVisionRecordingReader : IRecordingReader
{
    /// <summary>A header is text; anything larger than this is not one.</summary>
    private const int MaxHeaderBytes = 16 << 20;

    public string Format => "BrainVision";

    public IReadOnlyList<string> Extensions { get; } = [".vhdr"];

    public bool Recognises(ReadOnlySpan<byte> head)
    {
        var text = System.Text.Encoding.ASCII.GetString(head);
        return text.TrimStart('\uFEFF', '?').StartsWith("Brain", StringComparison.Ordinal) && text.Contains("Header File", StringComparison.Ordinal);
    }

    public RecordingContent Read(RecordingSource source)
    {
        var warnings = new List<string>();
        byte[] headerBytes;
        using (var stream = source.Open()) headerBytes = ReadText(stream, source.Name);
        var header = BrainVisionHeader.Parse(headerBytes, source.Name, warnings);

        using var data = source.OpenCompanion(header.DataFile)
            ?? throw new RecordingFormatException($"{source.Name}: its data file '{header.DataFile}' is missing (give it beside the header, or as another part of the upload).");
        int channelCount = header.Channels.Count;
        long samples = data.Length / ((long)header.BytesPerSample * channelCount);
        if (samples == 0) throw new RecordingFormatException($"{source.Name}: the data file '{header.DataFile}' holds no complete sample.");
        if (samples > Array.MaxLength) throw new RecordingFormatException($"{source.Name}: {samples} samples per channel is more than one recording can hold.");
        var volts = ReadData(data, header, (int)samples);

        List<FifAnnotation> annotations = [];
        DateTimeOffset? date = null;
        using (var markers = source.OpenCompanion(header.MarkerFile))
        {
            if (markers is null) warnings.Add($"the marker file '{header.MarkerFile}' is missing; the recording has no annotations.");
            else
            {
                var markerBytes = ReadText(markers, header.MarkerFile);
                annotations = BrainVisionMarkers.Parse(markerBytes, header.SampleRate, header.MarkerFile);
                date = BrainVisionMarkers.MeasurementDate(markerBytes);
            }
        }

        var channels = header.Channels.Select((c, i) => ReadChannels.Create(c.Name, i, c.Kind, c.Location)).ToList();
        return new RecordingContent.Continuous(new RawRecording
        {
            Channels = channels,
            SampleRate = header.SampleRate,
            SampleCount = (int)samples,
            Data = ReadChannels.ToFloat(volts),
            DoubleData = volts,
            Annotations = AnnotationRange.Crop(annotations, (int)samples, header.SampleRate, warnings),
            MeasurementDate = date,
            Source = source.Name,
            OriginalFormat = header.SampleFormat switch { "INT_16" => "short", "INT_32" => "int", _ => "single" },
            LowPass = header.SampleRate / 2,
            Warnings = warnings,
        });
    }

    private static byte[] ReadText(Stream stream, string name)
    {
        if (stream.Length > MaxHeaderBytes) throw new RecordingFormatException($"{name}: {stream.Length} bytes is too large for a BrainVision text file.");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>Stored value × resolution × unit factor, in double, read in blocks (memory: the output plus one block).</summary>
    private static double[][] ReadData(Stream stream, BrainVisionHeader header, int samples)
    {
        int channels = header.Channels.Count, width = header.BytesPerSample;
        var volts = new double[channels][];
        for (int c = 0; c < channels; c++) volts[c] = new double[samples];
        double[] factors = header.Channels.Select(c => c.Factor).ToArray();
        var buffer = new byte[Math.Max(width * channels, 1 << 20) / (width * channels) * (width * channels)];
        long total = (long)samples * channels;
        stream.Position = 0;
        for (long done = 0; done < total;)
        {
            int count = (int)Math.Min(buffer.Length / width, total - done);
            stream.ReadExactly(buffer, 0, count * width);
            for (int k = 0; k < count; k++)
            {
                long index = done + k;
                // Multiplexed: sample-major (ch1 pt1, ch2 pt1, …); vectorized: channel-major.
                int channel = (int)(header.Vectorized ? index / samples : index % channels);
                int sample = (int)(header.Vectorized ? index % samples : index / channels);
                volts[channel][sample] = Value(buffer.AsSpan(k * width, width), header.SampleFormat) * factors[channel];
            }
            done += count;
        }
        return volts;
    }

    private static double Value(ReadOnlySpan<byte> bytes, string format) => format switch
    {
        "INT_16" => BinaryPrimitives.ReadInt16LittleEndian(bytes),
        "INT_32" => BinaryPrimitives.ReadInt32LittleEndian(bytes),
        _ => BinaryPrimitives.ReadSingleLittleEndian(bytes),
    };
}
