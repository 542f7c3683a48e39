using System.Text.Json;
using Zuna.Api.Tests.TestSupport;
using Zuna.Engine.Fif;

namespace Zuna.Api.Tests.Fif;

/// <summary>FifReader against MNE 1.3's read_raw_fif output stored in shared/data/fif/reference/*.ref.npz.</summary>
public sealed class FifReferenceTests
{
    public static TheoryData<string, string> Files => new()
    {
        { "zuna__sample1_raw.fif", "zuna__sample1_raw" },
        { "derived/zuna__sample1_raw.fif.gz", "zuna__sample1_raw" },
        { "derived/zuna__sample1_double_raw.fif", "zuna__sample1_raw" },
        { "bsl-datasets__resting_state_short-raw.fif", "bsl-datasets__resting_state_short-raw" },
        { "mne-python__brainvision_test_bin_raw.fif", "mne-python__brainvision_test_bin_raw" },
        { "fif_export__test_data-raw.fif", "fif_export__test_data-raw" },
        { "derived/zuna__sample1_skips_raw.fif", "zuna__sample1_skips_raw" },
        { "derived/fif_export__split_raw.fif", "fif_export__split_raw" },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Matches_mne_volts_names_rate_and_first_sample(string file, string reference)
    {
        var raw = FifReader.Read(SharedData.Path("data/fif/" + file));
        AssertMatchesReference(raw, reference);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Reading_from_a_stream_gives_the_same_recording(string file, string reference)
    {
        if (file.Contains("split", StringComparison.Ordinal)) return; // split parts cannot be followed from a stream (own test)
        using var fs = File.OpenRead(SharedData.Path("data/fif/" + file));
        var raw = FifReader.Read(fs, Path.GetFileName(file));
        AssertMatchesReference(raw, reference);
        // A non-seekable copy (e.g. a request body) must work too.
        using var pipe = new NonSeekableStream(File.ReadAllBytes(SharedData.Path("data/fif/" + file)));
        AssertMatchesReference(FifReader.Read(pipe, file), reference);
    }

    [Fact]
    public void A_forward_only_upload_is_read_through_the_recording_source()
    {
        // A request body that cannot seek: the source buffers it once, the registered FIF reader then reads it in place.
        using var body = new NonSeekableStream(File.ReadAllBytes(SharedData.Path("data/fif/derived/zuna__sample1_raw.fif.gz")), allowSync: true);
        var source = Zuna.Engine.Input.RecordingSource.FromStream(body, "upload.fif.gz");
        var reader = Zuna.Engine.Input.RecordingLoader.Default.Detect(source);
        var content = Assert.IsType<Zuna.Engine.Input.RecordingContent.Continuous>(reader.Read(source));
        AssertMatchesReference(content.Recording, "zuna__sample1_raw");
    }

    internal static void AssertMatchesReference(RawRecording raw, string reference)
    {
        var npz = Npz.Load(SharedData.Path($"data/fif/reference/{reference}.ref.npz"));
        using var meta = JsonDocument.Parse(npz["meta"].Strings![0]);
        var m = meta.RootElement;
        Assert.Equal(m.GetProperty("sfreq_in").GetDouble(), raw.SampleRate);
        Assert.Equal(m.GetProperty("first_samp").GetInt64(), raw.FirstSample);
        Assert.Equal(m.GetProperty("n_times_in").GetInt32(), raw.SampleCount);
        Assert.Equal(m.GetProperty("nchan_file").GetInt32(), raw.Channels.Count);
        if (raw.Source == m.GetProperty("file").GetString()) // the .gz and double copies share the reference of their source
            Assert.Equal(m.GetProperty("orig_format").GetString(), raw.OriginalFormat);
        Assert.Equal(m.GetProperty("part_lengths").EnumerateArray().Select(e => e.GetInt32()), raw.PartSampleCounts);
        Assert.Equal(m.GetProperty("has_meas_date").GetBoolean(), raw.MeasurementDate is not null);
        Assert.Equal(m.GetProperty("bads").EnumerateArray().Select(e => e.GetString()!), raw.BadChannels);

        // The reference holds the EEG channels in file order; compare by name.
        string[] names = npz["ch_names"].Strings!;
        var eeg = raw.Channels.Select((c, i) => (c, i)).Where(x => x.c.IsEeg).ToList();
        Assert.Equal(names, eeg.Select(x => x.c.Name));
        var volts = npz["raw_volts"];
        Assert.Equal(raw.SampleCount, volts.Shape[1]);
        double maxAbs = volts.Values.Max(Math.Abs);
        Assert.True(maxAbs > 0);
        double worst = 0;
        for (int r = 0; r < names.Length; r++)
        {
            var expected = volts.Row(r);
            var actual = raw.Data[eeg[r].i];
            for (int s = 0; s < expected.Length; s++) worst = Math.Max(worst, Math.Abs(expected[s] - actual[s]));
        }
        Assert.True(worst <= 1e-6 * maxAbs, $"max |diff| {worst} > 1e-6 × {maxAbs}");

        // Annotations: MNE's onsets count from meas_date (or the first sample) incl. first_samp; ours from sample 0 of Data.
        var expectedAnn = m.GetProperty("annotations").EnumerateArray()
            .Select(a => (Onset: a[0].GetDouble() - raw.FirstSample / raw.SampleRate, Duration: a[1].GetDouble(), Description: a[2].GetString()!)).ToList();
        Assert.Equal(expectedAnn.Count, raw.Annotations.Count);
        for (int i = 0; i < expectedAnn.Count; i++)
        {
            Assert.Equal(expectedAnn[i].Description, raw.Annotations[i].Description);
            Assert.Equal(expectedAnn[i].Onset, raw.Annotations[i].Onset, 1e-9);
            Assert.Equal(expectedAnn[i].Duration, raw.Annotations[i].Duration, 1e-9);
        }
    }
}

/// <summary>A forward-only stream, like an HTTP request body.</summary>
internal sealed class NonSeekableStream(byte[] bytes, bool allowSync = true) : Stream
{
    private readonly MemoryStream _inner = new(bytes);
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) =>
        allowSync ? _inner.Read(buffer, offset, Math.Min(count, 7000)) : throw new InvalidOperationException("Synchronous operations are disallowed.");
    public override int Read(Span<byte> buffer) =>
        allowSync ? _inner.Read(buffer[..Math.Min(buffer.Length, 7000)]) : throw new InvalidOperationException("Synchronous operations are disallowed.");
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_inner.Read(buffer.Span[..Math.Min(buffer.Length, 7000)]));
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    protected override void Dispose(bool disposing) { if (disposing) _inner.Dispose(); base.Dispose(disposing); }
}
