using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Zuna.Api.Tests.Api;
using Zuna.Api.Tests.Fif;
using Zuna.Api.Tests.TestSupport;
using Zuna.Engine.Input;
using Zuna.Engine.Input.Epochs;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Formats;

/// <summary>
/// Epoched EEGLAB .set files (trials > 1; MAT v5 with data embedded or in an .fdt, MAT v7.3) against MNE 1.3's read_epochs_eeglab
/// of the same files: the epochs as read (volts, names, rate, count, tmin) and the epochs path (≤ 1e-5 z-units), then
/// the loader, `zuna preprocess` and POST /v1/preprocess taking them, and sizes that disagree refused by name.
/// </summary>
public sealed class EpochedEeglabTests(EpochedEeglabFiles files, SharedServer shared) : IClassFixture<EpochedEeglabFiles>, IClassFixture<SharedServer>
{
    public static TheoryData<string> GoodFiles => new() { "embedded.set", "fdt.set" };

    private JsonElement Mne(string name) => files.Mne!.Value.GetProperty(name);

    private EpochedRecording Read(string name)
    {
        var source = RecordingSource.FromFile(files.PathOf(name));
        return Assert.IsType<RecordingContent.RawEpochs>(RecordingLoader.Default.Detect(source).Read(source)).Recording;
    }

    private static double[] Flat(JsonElement nested) => nested.ValueKind == JsonValueKind.Array
        ? nested.EnumerateArray().SelectMany(Flat).ToArray()
        : [nested.GetDouble()];

    [PythonMneTheory]
    [MemberData(nameof(GoodFiles))]
    public void EpochsAreReadAsMneReadsThem(string name)
    {
        var mne = Mne(name);
        var epochs = Read(name);
        Assert.Equal(mne.GetProperty("ch_names").EnumerateArray().Select(e => e.GetString()), epochs.Channels.Select(c => c.Name));
        Assert.Equal(mne.GetProperty("sfreq").GetDouble(), epochs.SampleRate, 9);
        Assert.Equal(mne.GetProperty("n_epochs").GetInt32(), epochs.EpochCount);
        Assert.Equal(mne.GetProperty("tmin").GetDouble(), epochs.TMin, 9);
        Assert.Equal(["eeg", "eeg", "eeg", "eeg", "eeg", "eeg", "eeg", "eeg", "eog"], epochs.Channels.Select(FormatCase.TypeName));

        var expected = Flat(mne.GetProperty("data"));
        Assert.Equal(expected.Length, epochs.Data.Length);
        double diff = 0, scale = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs(epochs.Data[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }
        // The .fdt holds float32, which both sides widen the same way; embedded doubles are exact.
        Assert.True(diff <= 1e-9 * scale, $"{name}: max diff {diff:E3} V vs scale {scale:E3} V");
    }

    [PythonMneTheory]
    [MemberData(nameof(GoodFiles))]
    public void EpochsPathMatchesMne(string name)
    {
        var mne = Mne(name).GetProperty("pipeline");
        var result = EpochsPreprocessor.Run(Read(name), PreprocessOptions.Default);
        Assert.Equal(mne.GetProperty("ch_names").EnumerateArray().Select(e => e.GetString()), result.ChannelNames);
        var positions = Flat(mne.GetProperty("pos"));
        Assert.Equal(positions.Length, result.ChannelPositions.Length);
        for (int i = 0; i < positions.Length; i++) Assert.Equal(positions[i], result.ChannelPositions[i], 1e-6);
        Assert.Null(result.GlobalStd);
        Assert.Equal((4, 7, 512), (result.EpochCount, result.ChannelCount, result.EpochSamples));
        Assert.Contains(result.Warnings, w => w.Contains("Xtra", StringComparison.Ordinal)); // EEG without a position: dropped, named

        var expected = Flat(mne.GetProperty("epochs"));
        Assert.Equal(expected.Length, result.Epochs.Length);
        double diff = 0;
        for (int i = 0; i < expected.Length; i++) diff = Math.Max(diff, Math.Abs(result.Epochs[i] - expected[i]));
        Assert.True(diff <= 1e-5, $"{name}: epochs max diff {diff:E3} z-units");
    }

    [PythonH5pyFact]
    public void V73EpochsReadAsMneReadsTheirV5Twin()
    {
        var mne = Mne("embedded.set");
        var epochs = Read("v73.set");
        Assert.Equal(mne.GetProperty("ch_names").EnumerateArray().Select(e => e.GetString()), epochs.Channels.Select(c => c.Name));
        Assert.Equal((500.0, 4, -0.2), (epochs.SampleRate, epochs.EpochCount, epochs.TMin));
        var expected = Flat(mne.GetProperty("data"));
        Assert.Equal(expected.Length, epochs.Data.Length);
        for (int i = 0; i < expected.Length; i++) // v73.set holds the same µV as single
            Assert.True(Math.Abs(epochs.Data[i] - expected[i]) <= 1e-7 * Math.Abs(expected[i]) + 1e-15, $"value {i}: {epochs.Data[i]:E6} vs MNE {expected[i]:E6}");

        var pipeline = mne.GetProperty("pipeline");
        var result = EpochsPreprocessor.Run(epochs, PreprocessOptions.Default);
        Assert.Equal(pipeline.GetProperty("ch_names").EnumerateArray().Select(e => e.GetString()), result.ChannelNames);
        var positions = Flat(pipeline.GetProperty("pos"));
        for (int i = 0; i < positions.Length; i++) Assert.Equal(positions[i], result.ChannelPositions[i], 1e-6);
        var z = Flat(pipeline.GetProperty("epochs"));
        double diff = 0;
        for (int i = 0; i < z.Length; i++) diff = Math.Max(diff, Math.Abs(result.Epochs[i] - z[i]));
        Assert.True(diff <= 1e-5, $"v73.set: epochs max diff {diff:E3} z-units");
    }

    [PythonMneFact]
    public void UploadPartsReadLikeTheFilesOnDisk()
    {
        var parts = new Dictionary<string, Stream> { ["fdt.fdt"] = new MemoryStream(File.ReadAllBytes(files.PathOf("fdt.fdt"))) };
        var source = RecordingSource.FromParts(new MemoryStream(File.ReadAllBytes(files.PathOf("fdt.set"))), "renamed.set", parts);
        var loaded = RecordingLoader.Default.Load(source, InputOptions.Default);
        var fromDisk = RecordingLoader.Default.Load(RecordingSource.FromFile(files.PathOf("fdt.set")), InputOptions.Default);
        Assert.Equal(fromDisk.ChannelNames, loaded.ChannelNames);
        Assert.Equal(fromDisk.Epochs, loaded.Epochs);
        var error = Assert.ThrowsAny<Zuna.Engine.ZunaInputException>(() => RecordingLoader.Default.ReadContinuous(RecordingSource.FromFile(files.PathOf("embedded.set"))));
        Assert.Contains("holds epochs", error.Message);
    }

    [PythonMneFact]
    public void SizesThatDisagreeWithTheTrialsOrAMissingStartAreRefused()
    {
        var mismatch = Assert.Throws<RecordingFormatException>(() => Read("mismatch.set"));
        Assert.EndsWith("mismatch.set: EEG.data is 9×1000×4, but nbchan × pnts × trials is 9×1000×5.", mismatch.Message);

        var fdt = File.ReadAllBytes(files.PathOf("fdt.fdt"));
        var parts = new Dictionary<string, Stream> { ["fdt.fdt"] = new MemoryStream(fdt[..^4000]) };
        var source = RecordingSource.FromParts(new MemoryStream(File.ReadAllBytes(files.PathOf("fdt.set"))), "fdt.set", parts);
        var shortFdt = Assert.Throws<RecordingFormatException>(() => RecordingLoader.Default.Detect(source).Read(source));
        Assert.Equal("fdt.set: the data file 'fdt.fdt' holds 140000 bytes; 9 channels × 1000 samples × 4 epochs need 144000.", shortFdt.Message);

        var noStart = Assert.Throws<RecordingFormatException>(() => Read("noxmin.set"));
        Assert.EndsWith("noxmin.set: holds 4 epochs but EEG.xmin (the epoch start time) is missing or not a number.", noStart.Message);
    }

    [PythonMneFact]
    public async Task CliPreprocessTakesAnEpochedSet()
    {
        string output = files.PathOf("cli.safetensors");
        var (code, _, err) = await CliRun.Run("preprocess", files.PathOf("fdt.set"), "--out", output);
        Assert.True(code == 0, err);
        using var file = SafeTensorsFile.Open(output);
        Assert.Equal([4L, 7, 512], file.Entry("eeg").Shape);

        (code, _, err) = await CliRun.Run("preprocess", files.PathOf("mismatch.set"), "--out", files.PathOf("bad.safetensors"));
        Assert.NotEqual(0, code);
        Assert.Contains("EEG.data is 9×1000×4, but nbchan × pnts × trials is 9×1000×5", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [PythonMneFact]
    public async Task HttpPreprocessTakesAnEpochedSetWithItsFdt()
    {
        static ByteArrayContent Part(string path)
        {
            var content = new ByteArrayContent(File.ReadAllBytes(path));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return content;
        }
        var form = new MultipartFormDataContent { { Part(files.PathOf("fdt.set")), "file", "fdt.set" }, { Part(files.PathOf("fdt.fdt")), "parts", "fdt.fdt" } };
        var response = await shared.Client.PostAsync("/v1/preprocess", form);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        using var file = SafeTensorsFile.FromBytes(await response.Content.ReadAsByteArrayAsync(), "response");
        Assert.Equal([4L, 7, 512], file.Entry("eeg").Shape);
        Assert.Equal(Mne("fdt.set").GetProperty("pipeline").GetProperty("ch_names").EnumerateArray().Select(e => e.GetString()),
            JsonSerializer.Deserialize<string[]>(file.Metadata["channel_names"]));

        var bad = new MultipartFormDataContent { { Part(files.PathOf("mismatch.set")), "file", "mismatch.set" } };
        var refused = await shared.Client.PostAsync("/v1/preprocess", bad);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("nbchan × pnts × trials is 9×1000×5", await refused.Content.ReadAsStringAsync());
    }
}
