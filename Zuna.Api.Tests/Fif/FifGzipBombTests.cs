using System.IO.Compression;
using Zuna.Engine;
using Zuna.Engine.Fif;

namespace Zuna.Api.Tests.Fif;

/// <summary>A small .gz upload must not make the reader allocate gigabytes before it can say the file is bad.</summary>
public sealed class FifGzipBombTests
{
    private static byte[] Gzip(Action<Stream> write)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) write(gz);
        return ms.ToArray();
    }

    private static void Zeros(Stream s, long count)
    {
        var block = new byte[1 << 20];
        for (long left = count; left > 0; left -= block.Length) s.Write(block, 0, (int)Math.Min(block.Length, left));
    }

    [Fact]
    public void Gzip_that_is_not_fif_fails_on_its_first_bytes()
    {
        var bomb = Gzip(s => Zeros(s, 512L << 20));        // 512 MiB of zeros, about 0.5 MB compressed
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<FifFormatException>(() => FifReader.Read(new MemoryStream(bomb), "bomb.fif.gz"));
        Assert.Contains("not a FIF file", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64L << 20, "the reader decompressed far past the header");
    }

    [Fact]
    public void Gzip_of_a_fif_header_padded_with_zeros_hits_the_expansion_limit()
    {
        byte[] fif = File.ReadAllBytes(SharedData.Path("data/fif/zuna__sample1_raw.fif"));
        var bomb = Gzip(s => { s.Write(fif); Zeros(s, 1L << 30); });
        var e = Assert.Throws<FifFormatException>(() => FifReader.Read(new MemoryStream(bomb), "padded.fif.gz"));
        Assert.Contains("expand more than", e.Message);
    }

    [Fact]
    public void A_real_gzipped_recording_still_reads()
    {
        var raw = FifReader.Read(new MemoryStream(File.ReadAllBytes(SharedData.Path("data/fif/derived/zuna__sample1_raw.fif.gz"))), "sample1.fif.gz");
        Assert.Equal(3840, raw.SampleCount);
    }
}
