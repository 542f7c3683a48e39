using Zuna.Engine.Fif;

namespace Zuna.Api.Tests.Fif;

/// <summary>FifWriter output read back by FifReader: same samples (bit for bit), names, positions, rate and metadata.</summary>
public sealed class FifRoundTripTests
{
    private static RawRecording Synthetic(int nchan, double sfreq, int samples, int seed)
    {
        var rng = new Random(seed);
        var channels = new List<FifChannel>();
        for (int c = 0; c < nchan; c++)
        {
            bool stim = c == nchan - 1;
            float[] loc = new float[12];
            if (!stim) { loc[0] = (float)(0.09 * Math.Cos(c)); loc[1] = (float)(0.09 * Math.Sin(c)); loc[2] = (float)(0.01 * c); }
            string name = c == 1 ? "A-name-longer-than-15" : stim ? "STI 014" : $"EEG{c:000}";
            channels.Add(new FifChannel(name, c + 1, c + 1, stim ? 3 : 2, 1f, 1f, stim ? 0 : 1, loc, stim ? 0 : 107, 0, stim ? 0 : 4));
        }
        var data = new float[nchan][];
        for (int c = 0; c < nchan; c++)
        {
            data[c] = new float[samples];
            for (int s = 0; s < samples; s++) data[c][s] = (float)((rng.NextDouble() - 0.5) * 2e-4);
        }
        return new RawRecording
        {
            Channels = channels, SampleRate = sfreq, SampleCount = samples, Data = data, FirstSample = 777,
            BadChannels = nchan > 3 ? ["EEG002"] : [], MeasurementDate = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero).AddTicks(1234560),
            Annotations = [new FifAnnotation(0.25, 0.5, "BAD_blink"), new FifAnnotation(1.0, 0, "stim:1")],
            HighPass = 0.1, LowPass = 40, LineFrequency = 50,
        };
    }

    private static void AssertSame(RawRecording expected, RawRecording actual, bool unitCalibration)
    {
        Assert.Equal(expected.SampleRate, actual.SampleRate);
        Assert.Equal(expected.SampleCount, actual.SampleCount);
        Assert.Equal(expected.FirstSample, actual.FirstSample);
        Assert.Equal(expected.Channels.Select(c => c.Name), actual.Channels.Select(c => c.Name));
        Assert.Equal(expected.Channels.Select(c => c.Kind), actual.Channels.Select(c => c.Kind));
        Assert.Equal(expected.Channels.Select(c => c.CoilType), actual.Channels.Select(c => c.CoilType));
        for (int c = 0; c < expected.Channels.Count; c++)
        {
            Assert.Equal(expected.Channels[c].Location, actual.Channels[c].Location); // NaN == NaN for float arrays here
            Assert.Equal(expected.Data[c].AsSpan(0, expected.SampleCount).ToArray(), actual.Data[c]);
            if (unitCalibration) Assert.Equal(1.0, (double)actual.Channels[c].Range * actual.Channels[c].Cal);
        }
        Assert.Equal(expected.BadChannels, actual.BadChannels);
        Assert.Equal(expected.MeasurementDate, actual.MeasurementDate);
        Assert.Equal(expected.Annotations.Count, actual.Annotations.Count);
        for (int i = 0; i < expected.Annotations.Count; i++)
        {
            Assert.Equal(expected.Annotations[i].Description, actual.Annotations[i].Description);
            // MNE stores onsets as float32 seconds from meas_date; allow float32 rounding of onset + first_samp / sfreq.
            Assert.Equal(expected.Annotations[i].Onset, actual.Annotations[i].Onset, 1e-5);
            Assert.Equal(expected.Annotations[i].Duration, actual.Annotations[i].Duration, 1e-5);
        }
    }

    [Theory]
    [InlineData(5, 256.0, 1000)]
    [InlineData(33, 1000.0, 2500)]
    [InlineData(1, 512.5, 700)]
    public void Synthetic_recording_round_trips_through_a_file(int nchan, double sfreq, int samples)
    {
        var rec = Synthetic(nchan, sfreq, samples, nchan);
        string path = Path.Combine(Path.GetTempPath(), $"zuna-fif-{Guid.NewGuid():N}_raw.fif");
        try
        {
            FifWriter.Write(path, rec);
            var back = FifReader.Read(path);
            AssertSame(rec, back, unitCalibration: true);
            Assert.Equal(40.0, back.LowPass, 1e-5);
            Assert.Equal(0.1, back.HighPass, 1e-6);
            Assert.Equal(50.0, back.LineFrequency);
            // One EEG dig point per positioned EEG channel, so MNE's get_montage() has them.
            var eegWithPos = rec.Channels.Where(c => c.IsEeg).ToList();
            Assert.Equal(eegWithPos.Count(c => c.Location[0] != 0 || c.Location[1] != 0 || c.Location[2] != 0), back.DigPoints.Count);
            Assert.All(back.DigPoints, d => Assert.Equal(3, d.Kind));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task WriteAsync_to_a_stream_equals_Write_to_a_file()
    {
        var rec = Synthetic(8, 256, 3000, 1);
        rec = new RawRecording
        {
            Channels = rec.Channels, SampleRate = rec.SampleRate, SampleCount = rec.SampleCount, Data = rec.Data,
            MeasurementDate = null, Annotations = rec.Annotations, FirstSample = 0,
        };
        using var ms = new MemoryStream();
        await FifWriter.WriteAsync(ms, rec, CancellationToken.None);
        ms.Position = 0;
        var back = FifReader.Read(ms, "async.fif");
        AssertSame(rec, back, unitCalibration: true);
        Assert.Null(back.MeasurementDate);
        // 1-s buffers, the last one partial, as MNE writes them.
        var part = FifPart.Open(new MemoryFifSource(ms.ToArray()) { Name = "async" });
        Assert.Equal([256, 256, 256, 256, 256, 256, 256, 256, 256, 256, 256, 184], part.Layout.Segments.Select(s => s.SampleCount));
    }

    [Fact]
    public async Task Streaming_writer_gives_the_same_recording_for_any_chunking()
    {
        var rec = Synthetic(6, 100, 1234, 7);
        using var ms = new MemoryStream();
        var writer = new FifRawWriter(ms, FifWriteHeader.From(rec));
        int[] chunks = [1, 99, 100, 3, 500, 531];
        int start = 0;
        for (int i = 0; i < chunks.Length; i++)
        {
            if (i % 2 == 0) writer.Append(rec.Data, start, chunks[i]);
            else await writer.AppendAsync(rec.Data, start, chunks[i]);
            start += chunks[i];
        }
        Assert.Equal(rec.SampleCount, start);
        await writer.CompleteAsync();
        Assert.Equal(rec.SampleCount, writer.SamplesWritten);
        ms.Position = 0;
        AssertSame(rec, FifReader.Read(ms, "chunked"), unitCalibration: true);
    }

    public static TheoryData<string> AllFiles => new(FifTestFiles.Real.Concat(["derived/zuna__sample1_skips_raw.fif", "derived/fif_export__split_raw.fif", "derived/zuna__sample1_double_raw.fif"]));

    [Theory]
    [MemberData(nameof(AllFiles))]
    public async Task Real_files_round_trip_with_data_positions_dig_and_annotations(string file)
    {
        var original = FifReader.Read(FifTestFiles.PathOf(file));
        using var ms = new MemoryStream();
        await FifWriter.WriteAsync(ms, original, CancellationToken.None);
        ms.Position = 0;
        var back = FifReader.Read(ms, "copy_raw.fif");
        AssertSame(original, back, unitCalibration: true);
        Assert.Equal(original.DigPoints, back.DigPoints);
        Assert.Equal(original.SampleCount, back.PartSampleCounts.Single());
    }

    [Fact]
    public void A_gz_path_is_written_compressed_and_reads_back()
    {
        var rec = Synthetic(4, 250, 2000, 11);
        string path = Path.Combine(Path.GetTempPath(), $"zuna-fif-{Guid.NewGuid():N}_raw.fif.gz");
        try
        {
            FifWriter.Write(path, rec);
            Assert.Equal(new byte[] { 0x1F, 0x8B }, File.ReadAllBytes(path)[..2]);
            AssertSame(rec, FifReader.Read(path), unitCalibration: true);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Cancellation_stops_an_async_write()
    {
        var rec = Synthetic(4, 256, 256 * 20, 3);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        using var ms = new MemoryStream();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => FifWriter.WriteAsync(ms, rec, cts.Token));
    }
}
