using System.Text.Json;
using Zuna.Api.Cli;
using Zuna.Api.Tests.TestSupport;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Cli;

/// <summary>
/// `zuna preprocess|embed|reconstruct &lt;folder or glob&gt; --out-dir`: real recordings of every format copied into a
/// temporary tree (with a garbage file, a complete output, a truncated output and a stale temporary output), run
/// through the real command line with the tiny fixture model.
/// </summary>
public sealed class FolderModeTests : IDisposable
{
    private static readonly string TinyModel = SharedData.Path("fixtures/tiny");
    private readonly string _dir = Directory.CreateTempSubdirectory("zuna-folder-mode-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string In => Path.Combine(_dir, "in");

    private string Out => Path.Combine(_dir, "out");

    /// <summary>
    /// in/broken.edf (garbage), in/zuna__sample1_raw.fif, in/sub/test.edf and in/sub/test.csv (one stem, two formats),
    /// in/sub/bv/ a BrainVision triple: five recordings, the .vmrk and .eeg companions not among them.
    /// </summary>
    private void MakeInputs()
    {
        Directory.CreateDirectory(Path.Combine(In, "sub", "bv"));
        File.Copy(SharedData.Path("data/fif/zuna__sample1_raw.fif"), Path.Combine(In, "zuna__sample1_raw.fif"));
        File.Copy(SharedData.Path("data/formats/edf/eeglab/test.edf"), Path.Combine(In, "sub", "test.edf"));
        File.Copy(SharedData.Path("data/formats/csv/synthetic/s_csv_12ch_250hz.csv"), Path.Combine(In, "sub", "test.csv"));
        foreach (var ext in new[] { ".vhdr", ".vmrk", ".eeg" })
            File.Copy(SharedData.Path("data/formats/brainvision/synthetic/s_bv_int16_mux_24ch_500hz" + ext), Path.Combine(In, "sub", "bv", "s_bv_int16_mux_24ch_500hz" + ext));
        File.WriteAllText(Path.Combine(In, "broken.edf"), "this is not an EDF file");
    }

    private static string[] Tree(string root) =>
        [.. Directory.GetFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal)];

    private static long[] Shape(string file, string tensor)
    {
        using var f = SafeTensorsFile.Open(file);
        return f.Entry(tensor).Shape;
    }

    [Fact]
    public async Task Preprocess_folder_goes_past_a_bad_file_skips_complete_outputs_and_redoes_broken_ones()
    {
        MakeInputs();
        // Already complete (written by the one-file form): skipped. Truncated under its final name: redone.
        // A stale temporary from an interrupted run: never taken as complete, gone afterwards.
        Directory.CreateDirectory(Path.Combine(Out, "sub", "bv"));
        var (code, _, err) = await CliRun.Run("preprocess", Path.Combine(In, "sub", "bv", "s_bv_int16_mux_24ch_500hz.vhdr"),
            "--out", Path.Combine(Out, "sub", "bv", "s_bv_int16_mux_24ch_500hz.safetensors"));
        Assert.True(code == 0, err);
        var complete = File.GetLastWriteTimeUtc(Path.Combine(Out, "sub", "bv", "s_bv_int16_mux_24ch_500hz.safetensors"));
        byte[] whole = File.ReadAllBytes(Path.Combine(Out, "sub", "bv", "s_bv_int16_mux_24ch_500hz.safetensors"));
        File.WriteAllBytes(Path.Combine(Out, "zuna__sample1_raw.safetensors"), whole[..(whole.Length / 2)]);
        File.WriteAllText(Path.Combine(Out, "sub", "test.edf.safetensors.partial"), "half an output");

        (code, var stdout, err) = await CliRun.Run("preprocess", In, "--out-dir", Out);
        Assert.Equal(CliApp.ExitCodes.InvalidInput, code);
        Assert.Contains("3 written, 1 already complete, 1 failed, of 5 recordings", stdout);
        Assert.Contains("[2/5] sub/bv/s_bv_int16_mux_24ch_500hz.vhdr: skipped, sub/bv/s_bv_int16_mux_24ch_500hz.safetensors is complete", stdout);
        Assert.Contains("[5/5] zuna__sample1_raw.fif: 3 epochs × 12 channels × 1280 samples", stdout);
        Assert.Contains("[1/5] broken.edf: failed:", err);
        Assert.Contains($"zuna: failed: {Path.Combine(In, "broken.edf")}: ", err);
        Assert.Single(err.Split('\n'), l => l.StartsWith("zuna: failed:", StringComparison.Ordinal));
        Assert.Equal(["sub/bv/s_bv_int16_mux_24ch_500hz.safetensors", "sub/test.csv.safetensors", "sub/test.edf.safetensors", "zuna__sample1_raw.safetensors"], Tree(Out));
        Assert.Equal(complete, File.GetLastWriteTimeUtc(Path.Combine(Out, "sub", "bv", "s_bv_int16_mux_24ch_500hz.safetensors")));
        Assert.Equal(new long[] { 3, 12, 1280 }, Shape(Path.Combine(Out, "zuna__sample1_raw.safetensors"), "eeg"));
        Assert.Equal(new long[] { 12, 16, 1280 }, Shape(Path.Combine(Out, "sub", "test.edf.safetensors"), "eeg"));
        Assert.Equal(new long[] { 3, 12, 1280 }, Shape(Path.Combine(Out, "sub", "test.csv.safetensors"), "eeg"));

        // Everything is complete now: nothing but the garbage file is touched; --force redoes them all.
        (code, stdout, _) = await CliRun.Run("preprocess", In, "--out-dir", Out);
        Assert.Equal(CliApp.ExitCodes.InvalidInput, code);
        Assert.Contains("0 written, 4 already complete, 1 failed, of 5 recordings", stdout);
        (code, stdout, _) = await CliRun.Run("preprocess", In, "--out-dir", Out, "--force");
        Assert.Equal(CliApp.ExitCodes.InvalidInput, code);
        Assert.Contains("4 written, 0 already complete, 1 failed, of 5 recordings", stdout);
        Assert.NotEqual(complete, File.GetLastWriteTimeUtc(Path.Combine(Out, "sub", "bv", "s_bv_int16_mux_24ch_500hz.safetensors")));
    }

    [Fact]
    public async Task Embed_folder_gives_the_one_file_latents_with_and_without_overlap_and_figures_per_input()
    {
        MakeInputs();
        string[] model = ["--model-dir", TinyModel, "--device", "cpu", "--batch-epochs", "2"];
        var (code, stdout, err) = await CliRun.Run(["embed", Path.Combine(In, "sub", "*.*"), "--out-dir", Out, "--figures", Path.Combine(_dir, "figures"), .. model]);
        Assert.True(code == 0, err);
        Assert.Contains("2 written, 0 already complete, 0 failed, of 2 recordings", stdout);
        (code, _, err) = await CliRun.Run(["embed", Path.Combine(In, "sub", "*.*"), "--out-dir", Path.Combine(_dir, "sequential"), "--no-overlap", .. model]);
        Assert.True(code == 0, err);
        string single = Path.Combine(_dir, "single.safetensors");
        (code, _, err) = await CliRun.Run(["embed", Path.Combine(In, "sub", "test.edf"), "--out", single, .. model]);
        Assert.True(code == 0, err);

        using var expected = SafeTensorsFile.Open(single);
        foreach (string output in new[] { Path.Combine(Out, "test.edf.safetensors"), Path.Combine(_dir, "sequential", "test.edf.safetensors") })
        {
            using var actual = SafeTensorsFile.Open(output);
            Assert.Equal(new long[] { 12, 16 * 40, 32 }, actual.Entry("latents").Shape);
            Assert.Equal(expected.ReadFloat32("latents"), actual.ReadFloat32("latents"));
            Assert.Equal(JsonSerializer.Deserialize<string[]>(expected.Metadata["channel_names"]), JsonSerializer.Deserialize<string[]>(actual.Metadata["channel_names"]));
        }
        Assert.Equal(["test.csv/latent_dimensions.png", "test.csv/latent_distribution.png", "test.csv/timing.png",
            "test.edf/latent_dimensions.png", "test.edf/latent_distribution.png", "test.edf/timing.png"], Tree(Path.Combine(_dir, "figures")));
    }

    [Fact]
    public async Task Reconstruct_folder_draws_the_bar_on_request_and_lists_each_recording_above_it()
    {
        MakeInputs();
        var (code, stdout, err) = await CliRun.Run("reconstruct", Path.Combine(In, "*.fif"), "--out-dir", Out, "--progress", "bar",
            "--model-dir", TinyModel, "--device", "cpu", "--steps", "2");
        Assert.True(code == 0, err);
        Assert.Contains("\u001b[", err); // ANSI: the live display, drawn although stderr is not a terminal
        Assert.Contains("files 1/1", err);
        Assert.Contains("[1/1] zuna__sample1_raw.fif: 3 epochs × 12 channels reconstructed in 2 steps", err);
        Assert.StartsWith("1 written, 0 already complete, 0 failed, of 1 recording in ", stdout);
        Assert.Equal(new long[] { 3, 12, 1280 }, Shape(Path.Combine(Out, "zuna__sample1_raw.safetensors"), "reconstruction"));
    }

    [Fact]
    public async Task Plain_progress_is_one_line_per_recording_without_escape_codes()
    {
        MakeInputs();
        var (code, stdout, err) = await CliRun.Run("reconstruct", In, "--out-dir", Out, "--model-dir", TinyModel, "--device", "cpu", "--steps", "2");
        Assert.Equal(CliApp.ExitCodes.InvalidInput, code);
        Assert.DoesNotContain("\u001b[", stdout + err);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["[2/5]", "[3/5]", "[4/5]", "[5/5]"], lines[..4].Select(l => l.Split(' ')[0]));
        Assert.Contains("4 written, 0 already complete, 1 failed, of 5 recordings", lines[4]);
    }

    [Fact]
    public async Task Cancelling_stops_the_run_leaving_complete_outputs_and_no_temporary_file()
    {
        MakeInputs();
        using var cancel = new CancellationTokenSource();
        var stdout = new CancelOnWrite("[2/5]", cancel);
        var stderr = new StringWriter();
        int code = await CliApp.RunAsync(["reconstruct", In, "--out-dir", Out, "--model-dir", TinyModel, "--device", "cpu", "--steps", "2"],
            stdout, stderr, cancel.Token);
        Assert.Equal(CliApp.ExitCodes.Cancelled, code);
        Assert.Equal(["sub/bv/s_bv_int16_mux_24ch_500hz.safetensors"], Tree(Out));
        Assert.DoesNotContain("written,", stdout.ToString());
    }

    [Fact]
    public async Task Repair_folder_writes_one_hybrid_fif_per_recording_and_refuses_one_file_options()
    {
        MakeInputs();
        string zuna11 = SharedData.Path("fixtures/zuna11");
        var (code, stdout, err) = await CliRun.Run("repair", Path.Combine(In, "*.fif"), "--out-dir", Out, "--model-dir", zuna11,
            "--device", "cpu", "--steps", "2", "--repair-channels", "O1");
        Assert.True(code == 0, err);
        Assert.Contains("[1/1] zuna__sample1_raw.fif: 12 channels, 3 window(s)", stdout);
        var hybrid = Zuna.Engine.Fif.FifReader.Read(Path.Combine(Out, "zuna__sample1_raw.fif"));
        Assert.Equal(["Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2", "F7", "F8"], hybrid.Channels.Select(c => c.Name));
        Assert.Equal(["zuna__sample1_raw.fif"], Tree(Out));

        (code, _, err) = await CliRun.Run("repair", In, "--out-dir", Path.Combine(_dir, "other"), "--model-dir", zuna11, "--full-out", Path.Combine(_dir, "x.fif"));
        Assert.Equal(CliApp.ExitCodes.InvalidInput, code);
        Assert.Contains("cannot be used with a folder", err);
    }

    [Theory]
    [InlineData("--init-noise", "noise.safetensors", "--init-noise")]
    [InlineData("--out", "x.safetensors", "--out names one output")]
    public async Task Folder_options_that_only_fit_one_recording_are_refused(string option, string value, string message)
    {
        MakeInputs();
        var (code, _, err) = await CliRun.Run("reconstruct", In, "--out-dir", Out, option, Path.Combine(_dir, value), "--model-dir", TinyModel);
        Assert.Equal(CliApp.ExitCodes.InvalidInput, code);
        Assert.Contains(message, err);
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public async Task An_output_folder_equal_to_the_input_folder_or_a_folder_without_recordings_is_a_clear_error()
    {
        MakeInputs();
        var (code, _, err) = await CliRun.Run("preprocess", In, "--out-dir", In);
        Assert.Equal(CliApp.ExitCodes.InvalidInput, code);
        Assert.Contains("--out-dir is the input folder", err);
        Directory.CreateDirectory(Path.Combine(_dir, "empty"));
        (code, _, err) = await CliRun.Run("preprocess", Path.Combine(_dir, "empty"), "--out-dir", Out);
        Assert.Equal(CliApp.ExitCodes.InvalidInput, code);
        Assert.Contains("no recordings found", err);
    }

    /// <summary>Stands in for Ctrl+C: cancels the run as soon as a given line is printed.</summary>
    private sealed class CancelOnWrite(string marker, CancellationTokenSource cancel) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.StartsWith(marker, StringComparison.Ordinal) == true) cancel.Cancel();
        }
    }
}
