using Zuna.Api.Cli;
using Zuna.Api.Tests.TestSupport;

namespace Zuna.Api.Tests.Formats;

/// <summary>`zuna preprocess &lt;folder&gt; --out-dir`: one output per recording, bad files listed, resumable.</summary>
public sealed class FolderRunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("zuna-folder-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => CliRun.Run(args);

    private void Copy(string relative) =>
        File.Copy(SharedData.Path("data/formats/" + relative), Path.Combine(_dir, "in", Path.GetFileName(relative)));

    [Fact]
    public async Task FolderIsProcessedFileByFileGoingPastABadOneAndResumes()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "in"));
        Copy("edf/eeglab/test.edf");
        Copy("csv/synthetic/s_csv_12ch_250hz.csv");
        foreach (var ext in new[] { ".vhdr", ".vmrk", ".eeg" }) Copy("brainvision/synthetic/s_bv_int16_mux_24ch_500hz" + ext);
        File.WriteAllText(Path.Combine(_dir, "in", "broken.edf"), "not an EDF file");
        string outDir = Path.Combine(_dir, "out");

        var (code, stdout, stderr) = await Run("preprocess", Path.Combine(_dir, "in"), "--out-dir", outDir);
        Assert.Equal(CliApp.ExitCodes.InvalidInput, code);
        Assert.Contains("3 written, 0 already complete, 1 failed, of 4 recordings", stdout);
        Assert.Contains("zuna: failed: " + Path.Combine(_dir, "in", "broken.edf"), stderr);
        Assert.Equal(["s_bv_int16_mux_24ch_500hz.safetensors", "s_csv_12ch_250hz.safetensors", "test.safetensors"],
            Directory.GetFiles(outDir).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray());

        (code, stdout, _) = await Run("preprocess", Path.Combine(_dir, "in", "*.edf"), "--out-dir", outDir);
        Assert.Equal(CliApp.ExitCodes.InvalidInput, code);
        Assert.Contains("test.edf: skipped, test.safetensors is complete", stdout);
        Assert.Contains("0 written, 1 already complete, 1 failed, of 2 recordings", stdout);
    }

    [Fact]
    public async Task FolderWithoutOutDirIsAUsageError()
    {
        var (code, _, stderr) = await Run("preprocess", _dir);
        Assert.Equal(CliApp.ExitCodes.Usage, code);
        Assert.Contains("--out-dir", stderr);
    }
}
