using System.Buffers.Binary;
using Zuna.Engine.Fif;

namespace Zuna.Api.Tests.Fif;

/// <summary>Buffer types without a shared sample file (int32, plain short), made by re-encoding the int16 brainvision file.</summary>
public sealed class FifBufferTypeTests
{
    /// <summary>Re-serialises the file tag by tag (next = 0, no directory), re-encoding each DAU_PACK16 buffer as <paramref name="type"/>.</summary>
    private static byte[] Reencode(byte[] original, int type)
    {
        using var output = new MemoryStream();
        var tags = FifTestFiles.Tags(original).Where(t => t.Kind != 102).ToList(); // drop FIFF_DIR
        Span<byte> header = stackalloc byte[16];
        for (int i = 0; i < tags.Count; i++)
        {
            var tag = tags[i];
            byte[] payload = original.AsSpan((int)tag.PayloadPosition, tag.Size).ToArray();
            int tagType = tag.Type;
            if (tag.Kind == 101) BinaryPrimitives.WriteInt32BigEndian(payload, -1); // no directory any more
            if (tag.Kind == 300 && tag.Type == 16)
            {
                tagType = type;
                int n = payload.Length / 2;
                var wide = new byte[type == 3 ? 4 * n : 2 * n];
                for (int k = 0; k < n; k++)
                {
                    short v = BinaryPrimitives.ReadInt16BigEndian(payload.AsSpan(2 * k));
                    if (type == 3) BinaryPrimitives.WriteInt32BigEndian(wide.AsSpan(4 * k), v);
                    else BinaryPrimitives.WriteInt16BigEndian(wide.AsSpan(2 * k), v);
                }
                payload = wide;
            }
            BinaryPrimitives.WriteInt32BigEndian(header, tag.Kind);
            BinaryPrimitives.WriteInt32BigEndian(header[4..], tagType);
            BinaryPrimitives.WriteInt32BigEndian(header[8..], payload.Length);
            BinaryPrimitives.WriteInt32BigEndian(header[12..], i == tags.Count - 1 ? -1 : 0);
            output.Write(header);
            output.Write(payload);
        }
        return output.ToArray();
    }

    [Theory]
    [InlineData(3, "int")]
    [InlineData(2, "short")]
    public void Int32_and_short_buffers_give_the_same_volts_as_dau_pack16(int type, string format)
    {
        string path = FifTestFiles.PathOf("mne-python__brainvision_test_bin_raw.fif");
        byte[] bytes = Reencode(File.ReadAllBytes(path), type);
        using var ms = new MemoryStream(bytes);
        var raw = FifReader.Read(ms, "reencoded_raw.fif");
        Assert.Equal(format, raw.OriginalFormat);
        // Same stored integers and calibrations, so the volts equal the MNE reference of the original file.
        FifReferenceTests.AssertMatchesReference(raw, "mne-python__brainvision_test_bin_raw");
    }
}
