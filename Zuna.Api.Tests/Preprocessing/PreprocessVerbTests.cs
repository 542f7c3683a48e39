using Zuna.Api.Cli;
using Zuna.Api.Tests.TestSupport;
using Zuna.Engine.Outputs;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Preprocessing;

public sealed class PreprocessVerbTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("zuna-preprocess-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => CliRun.Run(args);

    private static Preprocessed Read(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        return PreprocessedFile.Read(file);
    }

    [Fact]
    public async Task WritesTheGoldenEpochsForSample1WithBadChannels()
    {
        string output = Path.Combine(_dir, "s1.safetensors");
        var (code, stdout, stderr) = await Run("preprocess", SharedData.Path("data/fif/derived/zuna__sample1_raw.fif.gz"), "--out", output, "--bad-channels", "C3,O2");
        Assert.True(code == CliApp.ExitCodes.Ok, stderr);
        Assert.Contains("3 epochs", stdout);

        using var file = SafeTensorsFile.Open(output);
        Assert.Equal(new long[] { 3, 12, 1280 }, file.Entry("eeg").Shape);
        Assert.Equal("F32", file.Entry("eeg").Dtype);
        Assert.Equal(new long[] { 12, 3 }, file.Entry("chan_pos").Shape);
        Assert.Equal("3", file.Metadata["n_epochs"]);
        Assert.Equal("256", file.Metadata["sfreq_in"]);

        using var golden = SafeTensorsFile.Open(SharedData.Path("fixtures/preprocess/preprocess.safetensors"));
        var expected = golden.ReadFloat32("sample1_bad_C3_O2.epochs");
        var actual = file.ReadFloat32("eeg");
        Assert.True(expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max() <= 1e-5);

        var back = PreprocessedFile.Read(file);
        double std = Assert.NotNull(back.GlobalStd);
        Assert.Equal(golden.ReadFloat64("sample1_bad_C3_O2.global_std")[0], std, 1e-9 * std);
    }

    [Fact]
    public async Task OptionsChangeTheResult()
    {
        string a = Path.Combine(_dir, "a.safetensors"), b = Path.Combine(_dir, "b.safetensors");
        string fif = SharedData.Path("data/fif/zuna__sample1_raw.fif");
        Assert.Equal(0, (await Run("preprocess", fif, "--out", a, "--epoch-samples", "640")).Code);
        Assert.Equal(0, (await Run("preprocess", fif, "--out", b, "--epoch-samples", "640", "--no-highpass", "--no-average-reference")).Code);
        var pa = Read(a);
        var pb = Read(b);
        Assert.Equal(6, pa.EpochCount);
        Assert.Equal(640, pa.EpochSamples);
        Assert.NotEqual(pa.GlobalStd, pb.GlobalStd);
    }

    [Fact]
    public async Task BadEpochLengthIsAnInputError()
    {
        var (code, _, stderr) = await Run("preprocess", SharedData.Path("data/fif/zuna__sample1_raw.fif"), "--out", Path.Combine(_dir, "x.safetensors"), "--epoch-samples", "1000");
        Assert.Equal(CliApp.ExitCodes.InvalidInput, code);
        Assert.StartsWith("zuna: epoch length 1000", stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task MissingFileIsAnInputError()
    {
        var (code, _, stderr) = await Run("preprocess", Path.Combine(_dir, "nope.fif"), "--out", Path.Combine(_dir, "x.safetensors"));
        Assert.Equal(CliApp.ExitCodes.InvalidInput, code);
        Assert.StartsWith("zuna: ", stderr);
        Assert.False(File.Exists(Path.Combine(_dir, "x.safetensors")));
    }

    [Fact]
    public async Task NotAFifFileIsAnInputError()
    {
        string junk = Path.Combine(_dir, "junk.fif");
        await File.WriteAllTextAsync(junk, "this is not a FIF file at all, just text");
        var (code, _, stderr) = await Run("preprocess", junk, "--out", Path.Combine(_dir, "x.safetensors"));
        Assert.Equal(CliApp.ExitCodes.InvalidInput, code);
        Assert.StartsWith("zuna: ", stderr);
    }

    [Fact]
    public async Task RecordingWhoseChannelNamesMatchNothingIsAnInputError()
    {
        var (code, _, stderr) = await Run("preprocess", SharedData.Path("data/fif/mne-python__brainvision_test_bin_raw.fif"), "--out", Path.Combine(_dir, "x.safetensors"));
        Assert.Equal(CliApp.ExitCodes.InvalidInput, code);
        Assert.Contains("no EEG channel has a position in the file or a standard 10-05 name", stderr);
        Assert.Contains("EEG 001", stderr);
    }

    /// <summary>The channel rule: EEG channels without a 10-05 name are left out with a warning, the rest are processed.</summary>
    [Fact]
    public async Task UnknownChannelNamesAreDroppedWithAWarningOnStderr()
    {
        string output = Path.Combine(_dir, "edf.safetensors");
        var (code, stdout, stderr) = await Run("preprocess", SharedData.Path("data/formats/edf/mne-python/test.edf"), "--out", output);
        Assert.True(code == CliApp.ExitCodes.Ok, stderr);
        Assert.Contains("1 epochs × 20 channels", stdout);
        Assert.Contains("zuna: warning: test.edf: 118 EEG channel(s) match no standard 10-05 electrode and were left out: A3, A4", stderr);
        var written = Read(output);
        Assert.Equal(["A1", "A2", "C1", "C2", "C3", "C4", "C5", "C6"], written.ChannelNames[..8]);
        using var file = SafeTensorsFile.Open(output);
        Assert.Contains("left out", file.Metadata["warnings"]);
    }
}
