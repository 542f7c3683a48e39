using System.Buffers.Binary;
using Zuna.Engine.Fif;

namespace Zuna.Engine.Input.Epochs;

/// <summary>
/// MNE epochs files (-epo.fif) as MNE 1.3's read_epochs(preload=True) reads them: the measurement info (channels,
/// positions, bads) and the FIFF_EPOCH matrix [epochs, channels, samples] inside FIFFB_MNE_EPOCHS, each value × the
/// channel's calibration. Split epochs files are not followed.
/// </summary>
internal static class FifEpochsReader
{
    private const int BlockMneEpochs = 373, Epoch = 302, LastSample = 209, MatrixBit = 0x40000000;

    /// <summary>True when the FIF tree holds an epochs block (the file is epochs, not a raw recording).</summary>
    public static bool HoldsEpochs(FifSource source)
    {
        var (_, root) = FifTreeReader.Read(source);
        return root.FindAll(BlockMneEpochs).Count > 0;
    }

    public static EpochedRecording Read(FifSource source)
    {
        var (_, root) = FifTreeReader.Read(source);
        var info = FifMeasInfoReader.Read(source, root);
        var blocks = root.FindAll(BlockMneEpochs);
        if (blocks.Count != 1) throw new FifFormatException($"{source.Name}: {blocks.Count} epochs blocks; expected one.");
        var block = blocks[0];
        var first = block.First(FifConst.FirstSample) ?? throw new FifFormatException($"{source.Name}: the epochs block has no first sample.");
        var last = block.First(LastSample) ?? throw new FifFormatException($"{source.Name}: the epochs block has no last sample.");
        var dataTag = block.First(Epoch) ?? throw new FifFormatException($"{source.Name}: the epochs block holds no data (FIFF_EPOCH).");
        int firstSample = FifPayload.ReadInt(source, first);
        long samples = (long)FifPayload.ReadInt(source, last) - firstSample + 1;
        int channels = info.Channels.Count;
        if (samples <= 0 || samples > int.MaxValue) throw new FifFormatException($"{source.Name}: first and last sample give {samples} samples per epoch.");

        int type = dataTag.Type & ~MatrixBit;
        int width = type switch
        {
            FifConst.TypeFloat or FifConst.TypeInt => 4,
            FifConst.TypeDouble => 8,
            FifConst.TypeShort => 2,
            _ => throw new FifFormatException($"{source.Name}: epochs data of type {type} are not supported."),
        };
        // A matrix-coded tag ends with its dimensions (last first) and their count.
        long dataBytes = dataTag.Size;
        if ((dataTag.Type & MatrixBit) != 0)
        {
            if (dataTag.Size < 16) throw new FifFormatException($"{source.Name}: the epochs matrix is too short for its dimensions.");
            dataBytes = dataTag.Size - 16;
        }
        long perEpoch = (long)channels * samples * width;
        if (dataBytes % perEpoch != 0 || dataBytes == 0)
            throw new FifFormatException($"{source.Name}: {dataBytes} bytes of epochs data do not split into epochs of {channels} channels × {samples} samples.");
        long epochs = dataBytes / perEpoch;
        if (epochs * channels * samples > Array.MaxLength) throw new FifFormatException($"{source.Name}: {epochs} epochs are too many to hold in memory.");
        source.CheckRange(dataTag.PayloadPosition, dataBytes, "epochs data");

        double[] cals = info.Channels.Select(c => (double)c.Cal).ToArray();
        var data = new double[epochs * channels * samples];
        var buffer = new byte[Math.Min(dataBytes, 1 << 20) / width * width];
        long done = 0;
        while (done < data.LongLength)
        {
            int count = (int)Math.Min(buffer.Length / width, data.LongLength - done);
            source.ReadExactly(dataTag.PayloadPosition + done * width, buffer.AsSpan(0, count * width));
            for (int k = 0; k < count; k++)
            {
                long index = done + k;
                int channel = (int)(index / samples % channels);
                var b = buffer.AsSpan(k * width, width);
                double value = type switch
                {
                    FifConst.TypeFloat => BinaryPrimitives.ReadSingleBigEndian(b),
                    FifConst.TypeDouble => BinaryPrimitives.ReadDoubleBigEndian(b),
                    FifConst.TypeInt => BinaryPrimitives.ReadInt32BigEndian(b),
                    _ => BinaryPrimitives.ReadInt16BigEndian(b),
                };
                data[index] = value * cals[channel];
            }
            done += count;
        }
        return new EpochedRecording
        {
            Channels = info.Channels,
            SampleRate = info.SampleRate,
            EpochCount = (int)epochs,
            EpochSamples = (int)samples,
            TMin = firstSample / info.SampleRate,
            Data = data,
            BadChannels = info.Bads,
            Source = source.Name,
        };
    }
}
