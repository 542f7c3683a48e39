using Zuna.Engine.Input;
using Zuna.Engine.Input.Epochs;
using Zuna.Engine.Preprocessing;

namespace Zuna.Api.Tests.Formats;

/// <summary>
/// MNE epochs files (-epo.fif) against MNE 1.3 (reference/epo__*.ref.npz): the epochs as read (volts, names, types)
/// and the original pipeline's epochs path (Epochs.resample with edge padding, average reference, per-epoch
/// per-channel z-score), each ≤ 1e-5 z-units.
/// </summary>
public class EpochsFifTests
{
    public static IEnumerable<object[]> Cases => FormatCase.Of("epo");

    private static EpochedRecording Read(FormatCase c) => Assert.IsType<RecordingContent.RawEpochs>(c.Read()).Recording;

    [Theory]
    [MemberData(nameof(Cases))]
    public void EpochsAreReadAsMneReadsThem(string name)
    {
        var c = FormatCase.Load(name);
        var epochs = Read(c);
        Assert.Equal(c.RawNames, epochs.Channels.Select(ch => ch.Name).ToArray());
        Assert.Equal(c.RawTypes, epochs.Channels.Select(FormatCase.TypeName).ToArray());
        Assert.Equal(c.SampleRate, epochs.SampleRate, 9);
        var expected = c.Arrays["raw_volts"];
        Assert.Equal([epochs.EpochCount, epochs.Channels.Count, epochs.EpochSamples], expected.Shape);
        for (int e = 0; e < epochs.EpochCount; e++)
            for (int ch = 0; ch < epochs.Channels.Count; ch++)
            {
                var row = epochs.Row(e, ch);
                var reference = expected.Values.AsSpan((int)(((long)e * epochs.Channels.Count + ch) * epochs.EpochSamples), epochs.EpochSamples);
                double scale = 0, diff = 0;
                for (int i = 0; i < row.Length; i++)
                {
                    scale = Math.Max(scale, Math.Abs(reference[i]));
                    diff = Math.Max(diff, Math.Abs(row[i] - reference[i]));
                }
                Assert.True(diff <= 1e-6 * scale + 1e-30, $"{name} epoch {e} {epochs.Channels[ch].Name}: max diff {diff:E3} vs scale {scale:E3}");
            }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EpochsPathMatchesMne(string name)
    {
        var c = FormatCase.Load(name);
        var result = EpochsPreprocessor.Run(Read(c), PreprocessOptions.Default);
        Assert.Equal(c.Arrays["ch_names"].Strings, result.ChannelNames);
        var positions = c.Arrays["chan_pos"].Values;
        for (int i = 0; i < positions.Length; i++) Assert.Equal(positions[i], result.ChannelPositions[i], 1e-6);
        Assert.Null(result.GlobalStd);

        var expected = c.Arrays["epochs"];
        Assert.Equal([result.EpochCount, result.ChannelCount, result.EpochSamples], expected.Shape);
        double diff = 0;
        for (int i = 0; i < expected.Values.Length; i++) diff = Math.Max(diff, Math.Abs(result.Epochs[i] - expected.Values[i]));
        Assert.True(diff <= 1e-5, $"{name}: epochs max diff {diff:E3} z-units");
    }

    [Fact]
    public void TheLoaderSendsEpochsFilesDownTheEpochsPath()
    {
        var c = FormatCase.Load("epo__s_epochs_16ch_500hz-epo");
        var source = RecordingSource.FromStream(new MemoryStream(File.ReadAllBytes(c.InputPath)), "upload-epo.fif");
        var loaded = RecordingLoader.Default.Load(source, InputOptions.Default);
        Assert.Equal(6, loaded.EpochCount);
        Assert.Equal(1280, loaded.EpochSamples);
        Assert.Equal(16, loaded.ChannelCount);
        var error = Assert.ThrowsAny<Zuna.Engine.ZunaInputException>(() => RecordingLoader.Default.ReadContinuous(RecordingSource.FromFile(c.InputPath)));
        Assert.Contains("holds epochs", error.Message);
    }

    [Fact]
    public void BrokenEpochsFilesAreRefused()
    {
        var bytes = File.ReadAllBytes(FormatCase.Load("epo__s_epochs_16ch_500hz-epo").InputPath);
        MalformedInput.Refused(bytes[..5000], "cut-epo.fif");
        MalformedInput.Refused(bytes[..(bytes.Length / 2)], "half-epo.fif");
        MalformedInput.Fuzz(bytes, "s-epo.fif", iterations: 150, seed: 11, headerBytes: 3400);
    }
}
