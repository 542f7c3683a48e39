using System.Buffers.Binary;
using System.IO.Compression;
using Zuna.Engine;
using Zuna.Engine.Fif;

namespace Zuna.Api.Tests.Fif;

/// <summary>Broken input must end in FifFormatException with a message: never another exception, a hang or an out-of-memory.</summary>
public sealed class FifCorruptionTests
{
    public static TheoryData<string> RealFiles => new(FifTestFiles.Real);

    [Theory]
    [MemberData(nameof(RealFiles))]
    public void Truncated_files_are_format_errors(string file)
    {
        byte[] full = File.ReadAllBytes(FifTestFiles.PathOf(file));
        var tags = FifTestFiles.Tags(full);
        // The scan ends at the NOP whose next is -1; anything after it (the brainvision file keeps its tag directory there)
        // is optional, so cuts are made before and inside that last tag.
        int last = (int)tags[^1].Position;
        var cuts = new List<int> { 1, 15, 16, 36, 52, 100, last / 4, last / 2, 3 * last / 4, last - 1, last + 8 };
        // Also cut exactly between two tags in the middle (the blocks are then never closed).
        cuts.Add((int)tags[tags.Count / 2].Position);
        foreach (int cut in cuts)
            FifTestFiles.AssertFormatError(full[..cut], $"{file} cut at {cut}");
    }

    [Theory]
    [MemberData(nameof(RealFiles))]
    public void Oversized_and_negative_tag_sizes_are_format_errors(string file)
    {
        byte[] full = File.ReadAllBytes(FifTestFiles.PathOf(file));
        var tags = FifTestFiles.Tags(full);
        var targets = new[] { tags[0], tags[1], tags[tags.Count / 3], tags.First(t => t.Kind == 300), tags[^2] };
        foreach (var tag in targets)
        {
            foreach (int bit in new[] { 31, 30, 24 }) // negative, ~1 GiB, 16 MiB: all past the end of these files
            {
                byte[] bad = (byte[])full.Clone();
                int sizeField = (int)tag.Position + 8;
                BinaryPrimitives.WriteInt32BigEndian(bad.AsSpan(sizeField), BinaryPrimitives.ReadInt32BigEndian(bad.AsSpan(sizeField)) ^ (1 << bit));
                FifTestFiles.AssertFormatError(bad, $"{file} tag {tag.Kind}@{tag.Position} size bit {bit}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(RealFiles))]
    public void Wrong_magic_and_garbage_are_format_errors(string file)
    {
        byte[] full = File.ReadAllBytes(FifTestFiles.PathOf(file));
        byte[] badKind = (byte[])full.Clone();
        badKind[3] ^= 0x01; // FIFF_FILE_ID kind 100 → 101
        FifTestFiles.AssertFormatError(badKind, $"{file} first kind flipped");
        byte[] badSecond = (byte[])full.Clone();
        badSecond[36 + 3] ^= 0x40; // FIFF_DIR_POINTER kind changed
        FifTestFiles.AssertFormatError(badSecond, $"{file} second kind flipped");
        var rng = new Random(file.Length);
        byte[] garbage = new byte[full.Length];
        rng.NextBytes(garbage);
        FifTestFiles.AssertFormatError(garbage, $"{file} random bytes");
        byte[] text = "this is not a FIF file, just some text that was uploaded by mistake\n"u8.ToArray();
        FifTestFiles.AssertFormatError(text, "text");
    }

    [Theory]
    [MemberData(nameof(RealFiles))]
    public void Random_damage_never_escapes_as_another_exception(string file)
    {
        byte[] full = File.ReadAllBytes(FifTestFiles.PathOf(file));
        var tags = FifTestFiles.Tags(full);
        var rng = new Random(12345);
        for (int trial = 0; trial < 60; trial++)
        {
            byte[] bad = (byte[])full.Clone();
            // Aim at tag headers (where damage matters most) and at random bytes.
            for (int k = 0; k < 1 + trial % 4; k++)
            {
                int pos = trial % 2 == 0 ? (int)tags[rng.Next(tags.Count)].Position + rng.Next(20) : rng.Next(full.Length);
                if (pos < bad.Length) bad[pos] = (byte)rng.Next(256);
            }
            var error = FifTestFiles.ReadWithTimeout(bad, $"{file} trial {trial}");
            Assert.True(error is null or FifFormatException, $"{file} trial {trial}: {error?.GetType().Name}: {error?.Message}");
        }
    }

    [Fact]
    public void Empty_inputs_are_format_errors()
    {
        FifTestFiles.AssertFormatError([], "empty");
        string dir = Directory.CreateTempSubdirectory("zuna-fif-").FullName;
        try
        {
            string emptyFif = Path.Combine(dir, "empty_raw.fif"), emptyGz = Path.Combine(dir, "empty_raw.fif.gz");
            File.WriteAllBytes(emptyFif, []);
            File.WriteAllBytes(emptyGz, []);
            Assert.Throws<FifFormatException>(() => FifReader.Read(emptyFif));
            Assert.Throws<FifFormatException>(() => FifReader.Read(emptyGz));
            // A valid gzip stream of zero bytes.
            using (var fs = File.Create(Path.Combine(dir, "zero_raw.fif.gz")))
            using (new GZipStream(fs, CompressionLevel.Optimal)) { }
            Assert.Throws<FifFormatException>(() => FifReader.Read(Path.Combine(dir, "zero_raw.fif.gz")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Damaged_gzip_is_a_format_error()
    {
        byte[] gz = File.ReadAllBytes(FifTestFiles.PathOf("derived/zuna__sample1_raw.fif.gz"));
        FifTestFiles.AssertFormatError(gz[..(gz.Length / 2)], "gz cut in half");
        byte[] bad = (byte[])gz.Clone();
        for (int i = 100; i < 200; i++) bad[i] ^= 0x5A;
        FifTestFiles.AssertFormatError(bad, "gz with damaged deflate data");
        FifTestFiles.AssertFormatError([0x1F, 0x8B], "gz magic only");
    }

    [Fact]
    public void A_tag_chain_that_loops_is_a_format_error()
    {
        byte[] bytes = File.ReadAllBytes(FifTestFiles.PathOf("zuna__sample1_raw.fif"));
        var tags = FifTestFiles.Tags(bytes);
        // Make the 6th tag point back to the 3rd: the chain never reaches its end.
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan((int)tags[5].Position + 12), (int)tags[2].Position);
        var error = FifTestFiles.ReadWithTimeout(bytes, "loop");
        Assert.IsType<FifFormatException>(error);
        Assert.Contains("loop", error!.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Absurd_channel_count_and_sampling_rates_are_format_errors()
    {
        byte[] bytes = File.ReadAllBytes(FifTestFiles.PathOf("zuna__sample1_raw.fif"));
        var tags = FifTestFiles.Tags(bytes);
        int nchanAt = (int)tags.First(t => t.Kind == 200).PayloadPosition, sfreqAt = (int)tags.First(t => t.Kind == 201).PayloadPosition;
        foreach (int nchan in new[] { 0, -5, 1 << 30, 13 })
        {
            byte[] bad = (byte[])bytes.Clone();
            BinaryPrimitives.WriteInt32BigEndian(bad.AsSpan(nchanAt), nchan);
            FifTestFiles.AssertFormatError(bad, $"nchan {nchan}");
        }
        foreach (float sfreq in new[] { 0f, -256f, float.NaN, float.PositiveInfinity, 1e12f })
        {
            byte[] bad = (byte[])bytes.Clone();
            BinaryPrimitives.WriteSingleBigEndian(bad.AsSpan(sfreqAt), sfreq);
            FifTestFiles.AssertFormatError(bad, $"sfreq {sfreq}");
        }
    }

    [Fact]
    public void Absurd_data_skips_are_format_errors_not_huge_allocations()
    {
        byte[] bytes = File.ReadAllBytes(FifTestFiles.PathOf("derived/zuna__sample1_skips_raw.fif"));
        var skips = FifTestFiles.Tags(bytes).Where(t => t.Kind == 301).ToList();
        Assert.Equal(2, skips.Count);
        foreach (int value in new[] { 1_000_000, int.MaxValue, -3 })
        {
            byte[] bad = (byte[])bytes.Clone();
            BinaryPrimitives.WriteInt32BigEndian(bad.AsSpan((int)skips[1].PayloadPosition), value);
            FifTestFiles.AssertFormatError(bad, $"interior skip {value}");
        }
    }

    [Fact]
    public void Complex_buffers_are_refused_with_a_clear_message()
    {
        byte[] bytes = File.ReadAllBytes(FifTestFiles.PathOf("zuna__sample1_raw.fif"));
        foreach (var t in FifTestFiles.Tags(bytes).Where(t => t.Kind == 300))
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan((int)t.Position + 4), 20); // FIFFT_COMPLEX_FLOAT
        var error = FifTestFiles.ReadWithTimeout(bytes, "complex");
        Assert.IsType<FifFormatException>(error);
        Assert.Contains("complex", error!.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_broken_tag_directory_falls_back_to_the_sequential_scan()
    {
        // The brainvision file has a FIFF_DIR; point the directory pointer at garbage and MNE's fallback (a scan) must give the same data.
        string path = FifTestFiles.PathOf("mne-python__brainvision_test_bin_raw.fif");
        byte[] bytes = File.ReadAllBytes(path);
        int pointer = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(36 + 16));
        Assert.True(pointer > 0, "the file was expected to carry a tag directory");
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(36 + 16), 100);
        using var ms = new MemoryStream(bytes);
        var raw = FifReader.Read(ms, "dir-broken");
        var expected = FifReader.Read(path);
        Assert.Equal(expected.SampleCount, raw.SampleCount);
        for (int c = 0; c < raw.Channels.Count; c++) Assert.Equal(expected.Data[c], raw.Data[c]);
    }

    [Fact]
    public void A_directory_that_lists_one_buffer_many_times_is_not_trusted()
    {
        // Forge the brainvision file's FIFF_DIR so every entry points at the first data buffer: trusting it would multiply
        // the samples (and the allocation); the reader must notice the disorder and scan the tags instead.
        string path = FifTestFiles.PathOf("mne-python__brainvision_test_bin_raw.fif");
        byte[] bytes = File.ReadAllBytes(path);
        int dirPos = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(36 + 16));
        int dirSize = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(dirPos + 8));
        int firstBuffer = -1;
        for (int e = dirPos + 16; e < dirPos + 16 + dirSize; e += 16)
            if (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(e)) == 300) { firstBuffer = e; break; }
        Assert.True(firstBuffer > 0);
        for (int e = firstBuffer + 16; e < dirPos + 16 + dirSize - 16; e += 16)
            bytes.AsSpan(firstBuffer, 16).CopyTo(bytes.AsSpan(e));
        using var ms = new MemoryStream(bytes);
        var raw = FifReader.Read(ms, "forged-dir");
        Assert.Equal(FifReader.Read(path).SampleCount, raw.SampleCount);
    }

    [Fact]
    public void Format_errors_are_user_fixable_input_errors()
    {
        var error = FifTestFiles.ReadWithTimeout([1, 2, 3], "tiny");
        Assert.IsAssignableFrom<ZunaInputException>(error);
    }
}
