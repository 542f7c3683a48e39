using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Zuna.Api.Tests.Api;
using Zuna.Engine.Input;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Formats;

/// <summary>The upload endpoints take every format: EDF as one file, BrainVision as several parts or one zip; /v1/info lists them.</summary>
public sealed class HttpFormatsTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private readonly HttpClient _client = shared.Client;
    private static string Folder => SharedData.Path("data/formats/brainvision/synthetic");
    private const string Stem = "s_bv_int16_mux_24ch_500hz";

    private static ByteArrayContent Part(string path)
    {
        var content = new ByteArrayContent(File.ReadAllBytes(path));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    private static async Task<SafeTensorsFile> Preprocessed(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return SafeTensorsFile.FromBytes(await response.Content.ReadAsByteArrayAsync(), "response");
    }

    [Fact]
    public async Task EdfUploadIsPreprocessedWithItsWarnings()
    {
        var form = new MultipartFormDataContent { { Part(SharedData.Path("data/formats/edf/mne-python/test_edf_stim_channel.edf")), "file", "test_edf_stim_channel.edf" } };
        using var file = await Preprocessed(await _client.PostAsync("/v1/preprocess", form));
        Assert.Equal([1L, 19, 1280], file.Entry("eeg").Shape);
        Assert.Equal(FormatCase.Load("edf__mne-python__test_edf_stim_channel").Arrays["ch_names"].Strings,
            JsonSerializer.Deserialize<string[]>(file.Metadata["channel_names"]));
    }

    [Fact]
    public async Task BrainVisionAsThreePartsIsPreprocessed()
    {
        var form = new MultipartFormDataContent
        {
            { Part(Path.Combine(Folder, Stem + ".vhdr")), "file", Stem + ".vhdr" },
            { Part(Path.Combine(Folder, Stem + ".vmrk")), "parts", Stem + ".vmrk" },
            { Part(Path.Combine(Folder, Stem + ".eeg")), "parts", Stem + ".eeg" },
        };
        using var file = await Preprocessed(await _client.PostAsync("/v1/preprocess", form));
        Assert.Equal([3L, 21, 1280], file.Entry("eeg").Shape); // epoch 2 of 4 lies on a "Bad Interval" marker
        // HEOGL is EOG (not EEG, left out silently); ECG (in mV, so EEG-typed) and AUX 1 have no 10-05 name: warned.
        Assert.Contains("2 EEG channel(s) match no standard 10-05 electrode and were left out: ECG, AUX 1", file.Metadata["warnings"]);
    }

    [Fact]
    public async Task BrainVisionAsOneZipIsPreprocessed()
    {
        var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var ext in new[] { ".vhdr", ".vmrk", ".eeg" })
                archive.CreateEntryFromFile(Path.Combine(Folder, Stem + ext), "recording/" + Stem + ext);
        var form = new MultipartFormDataContent { { new ByteArrayContent(zip.ToArray()), "file", "recording.zip" } };
        using var file = await Preprocessed(await _client.PostAsync("/v1/preprocess", form));
        Assert.Equal([3L, 21, 1280], file.Entry("eeg").Shape);
    }

    [Fact]
    public async Task MissingCompanionIsA422NamingIt()
    {
        var form = new MultipartFormDataContent { { Part(Path.Combine(Folder, Stem + ".vhdr")), "file", Stem + ".vhdr" } };
        var response = await _client.PostAsync("/v1/preprocess", form);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains($"{Stem}.eeg' is missing", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task InfoListsTheFormats()
    {
        string json = await _client.GetStringAsync("/v1/info");
        using var info = JsonDocument.Parse(json);
        Assert.True(info.RootElement.TryGetProperty("input_formats", out _), json);
        var formats = info.RootElement.GetProperty("input_formats").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToList();
        Assert.Contains("EDF/BDF", formats);
        Assert.Contains("BrainVision", formats);
        Assert.Contains("CSV/TSV", formats);
        Assert.Contains("FIF", formats);
    }
}

/// <summary>Zip uploads are bounded: a bomb is refused on the bytes actually inflated.</summary>
public class ZipUploadTests
{
    [Fact]
    public void ZipBombIsRefused()
    {
        var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = archive.CreateEntry("huge.edf", CompressionLevel.SmallestSize).Open();
            var zeros = new byte[1 << 20];
            for (int i = 0; i < 200; i++) entry.Write(zeros);
        }
        Assert.True(zip.Length < 2 << 20);
        var error = Assert.Throws<RecordingFormatException>(() =>
            RecordingLoader.Default.Unpack(RecordingSource.FromStream(new MemoryStream(zip.ToArray()), "bomb.zip")));
        Assert.Contains("inflates to more than", error.Message);
    }

    [Fact]
    public void ZipWithoutARecordingIsRefused()
    {
        var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
            using (var writer = new StreamWriter(archive.CreateEntry("notes.txt").Open())) writer.Write("hello");
        var error = Assert.Throws<RecordingFormatException>(() =>
            RecordingLoader.Default.Unpack(RecordingSource.FromStream(new MemoryStream(zip.ToArray()), "x.zip")));
        Assert.Contains("no recording", error.Message);
    }
}
