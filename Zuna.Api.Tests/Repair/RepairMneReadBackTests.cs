using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Zuna.Api.Tests.Fif;
using Zuna.Api.Tests.TestSupport;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Repair;

/// <summary>
/// What `zuna repair` writes as FIF, read back by MNE-Python (Debian's python3-mne, the library the original writes with):
/// the hybrid and the full reconstruction hold the channels in output order, 256 Hz, the measurement date of the input,
/// the positions and the ZUNA1.1_infilled annotations of the safetensors output, and its signals within float32 rounding.
/// </summary>
public sealed class RepairMneReadBackTests : IDisposable
{
    private static readonly string Recording = SharedData.Path("fixtures/zuna11/pipeline/fifA_raw.fif");
    private readonly string _dir = Directory.CreateTempSubdirectory("zuna-repair-mne-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Reads FIF files with MNE and prints, per file, what the test compares (onsets from the first sample).</summary>
    private const string Script = """
        import json, sys, mne
        out = {}
        for path in sys.argv[1:]:
            raw = mne.io.read_raw_fif(path, preload=True, verbose=False)
            a = raw.annotations
            shift = raw.first_time if a.orig_time is not None else 0.0
            out[path] = {
                "ch_names": raw.ch_names, "sfreq": float(raw.info["sfreq"]), "n_times": int(raw.n_times),
                "meas_date": raw.info["meas_date"].isoformat() if raw.info["meas_date"] else None,
                "pos": [[float(v) for v in ch["loc"][:3]] for ch in raw.info["chs"]],
                "annotations": [{"onset": float(o) - shift, "duration": float(d), "description": str(t), "ch_names": list(c)}
                                for o, d, t, c in zip(a.onset, a.duration, a.description, a.ch_names)],
                "data": raw.get_data().tolist(),
            }
        print(json.dumps(out))
        """;

    private static JsonElement Mne(params string[] paths)
    {
        var start = new ProcessStartInfo(PythonMneFactAttribute.Python, ["-c", Script, .. paths]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var python = Process.Start(start)!;
        var stdout = python.StandardOutput.ReadToEndAsync();
        string stderr = python.StandardError.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, stderr);
        return JsonDocument.Parse(stdout.Result).RootElement.Clone();
    }

    private async Task RepairAsync(params string[] outputs)
    {
        string[] args =
        [
            "repair", Recording, .. outputs, "--model-dir", RepairFixture.Directory, "--device", "cpu", "--steps", "2", "--seed", "9",
            "--repair-channels", "fp1", "--bad-segments", "11.0-11.5:F8,13.0-13.2", "--target-channels", "Cz,Pz",
        ];
        var (code, _, stderr) = await CliRun.Run(args);
        Assert.True(code == 0, stderr);
    }

    [PythonMneFact]
    public async Task Mne_reads_the_hybrid_and_full_fif_as_the_safetensors_output_holds_them()
    {
        string tensorsPath = Path.Combine(_dir, "result.safetensors"), hybrid = Path.Combine(_dir, "hybrid_raw.fif"), full = Path.Combine(_dir, "full_raw.fif");
        await RepairAsync("--out", tensorsPath);
        await RepairAsync("--out", hybrid, "--full-out", full);
        var mne = Mne(hybrid, full, Recording);
        using var tensors = SafeTensorsFile.Open(tensorsPath);

        var names = JsonSerializer.Deserialize<string[]>(tensors.Metadata["channel_names"])!;
        Assert.Equal(["Cz", "Pz"], JsonSerializer.Deserialize<string[]>(tensors.Metadata["upsampled_channels"])!);
        var annotations = JsonDocument.Parse(tensors.Metadata["annotations"]).RootElement;
        Assert.Contains(annotations.EnumerateArray(), a => a.GetProperty("description").GetString() == "ZUNA1.1_infilled");
        var positions = tensors.ReadFloat32("chan_pos");
        int n = (int)tensors.Entry("hybrid").Shape[1];
        string inputDate = mne.GetProperty(Recording).GetProperty("meas_date").GetString()!;

        foreach (var (path, tensor) in new[] { (hybrid, "hybrid"), (full, "full_reconstruction") })
        {
            var file = mne.GetProperty(path);
            Assert.Equal(names, file.GetProperty("ch_names").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal((256.0, n), (file.GetProperty("sfreq").GetDouble(), file.GetProperty("n_times").GetInt32()));
            Assert.Equal(inputDate, file.GetProperty("meas_date").GetString());

            var pos = file.GetProperty("pos").EnumerateArray().ToList();
            for (int c = 0; c < names.Length; c++)
                for (int k = 0; k < 3; k++)
                    Assert.Equal(positions[c * 3 + k], pos[c][k].GetDouble(), 1e-6);

            // ZUNA1.1_infilled spans exactly as the metadata lists them (the recording's own annotations may come along too).
            var infilled = file.GetProperty("annotations").EnumerateArray().Where(a => a.GetProperty("description").GetString() == "ZUNA1.1_infilled").ToList();
            var expected = annotations.EnumerateArray().Where(a => a.GetProperty("description").GetString() == "ZUNA1.1_infilled").ToList();
            Assert.Equal(expected.Count, infilled.Count);
            for (int i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].GetProperty("onset").GetDouble(), infilled[i].GetProperty("onset").GetDouble(), 1e-6);
                Assert.Equal(expected[i].GetProperty("duration").GetDouble(), infilled[i].GetProperty("duration").GetDouble(), 1e-6);
                Assert.Equal(expected[i].GetProperty("ch_names").EnumerateArray().Select(e => e.GetString()),
                    infilled[i].GetProperty("ch_names").EnumerateArray().Select(e => e.GetString()));
            }

            var signal = tensors.ReadFloat32(tensor);
            var data = file.GetProperty("data").EnumerateArray().ToList();
            for (int c = 0; c < names.Length; c++)
            {
                var row = data[c].EnumerateArray().Select(v => v.GetDouble()).ToArray();
                for (int t = 0; t < n; t++)
                {
                    double want = signal[c * n + t];
                    Assert.True(Math.Abs(row[t] - want) <= 1e-6 * Math.Abs(want) + 1e-15,
                        string.Create(CultureInfo.InvariantCulture, $"{tensor} {names[c]}[{t}]: MNE {row[t]:E6}, safetensors {want:E6}"));
                }
            }
        }
    }
}
