using System.Diagnostics;
using System.Text.Json;
using Zuna.Engine.Fif;
using Zuna.Engine.Input;
using Zuna.Engine.Montage;
using Zuna.Engine.Outputs;
using Zuna.Engine.Preprocessing;

namespace Zuna.Api.Tests.Fif;

/// <summary>
/// A reconstruction written as FIF keeps what MNE users expect of the recording it came from: measurement date and
/// first sample, annotations on the output's time base, fiducials among the digitiser points, the filters and the
/// average reference as applied, and every position in the head frame FIF stores (added electrodes included).
/// </summary>
public sealed class ReconstructionFifMetadataTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("zuna-fifmeta-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The tutorial recording (first sample 2560 at 256 Hz, dated, 3 fiducials) with one annotation 6 s after its start, then a "reconstruction" (the epochs themselves) as FIF.</summary>
    private (RawRecording Source, string Output) Reconstruct()
    {
        var sample = FifReader.Read(SharedData.Path("data/fif/zuna__sample1_raw.fif"));
        var annotated = new RawRecording
        {
            Channels = sample.Channels, SampleRate = sample.SampleRate, SampleCount = sample.SampleCount, Data = sample.Data,
            FirstSample = sample.FirstSample, MeasurementDate = sample.MeasurementDate, DigPoints = sample.DigPoints,
            HighPass = sample.HighPass, LowPass = sample.LowPass, BadChannels = sample.BadChannels,
            Annotations = [new FifAnnotation(6.0, 0.5, "blink")],
        };
        string input = Path.Combine(_dir, "annotated_raw.fif");
        FifWriter.Write(input, annotated);
        var preprocessed = RecordingLoader.Default.Load(RecordingSource.FromFile(input),
            new InputOptions(PreprocessOptions.Default, TargetChannels.Parse("Cz", headFrame: false)));
        string output = Path.Combine(_dir, "annotated_recon_raw.fif");
        FifWriter.Write(output, ReconstructionFile.ToRecording(preprocessed, preprocessed.Epochs));
        return (annotated, output);
    }

    [Fact]
    public void The_output_keeps_date_first_sample_annotations_dig_filters_and_frames()
    {
        var (source, output) = Reconstruct();
        var back = FifReader.Read(output);
        Assert.Equal(source.MeasurementDate, back.MeasurementDate);
        Assert.Equal(2560, back.FirstSample);
        var blink = Assert.Single(back.Annotations);
        Assert.Equal(("blink", 6.0, 0.5), (blink.Description, Math.Round(blink.Onset, 4), Math.Round(blink.Duration, 4)));
        Assert.Equal(source.DigPoints.Count(d => d.Kind == 1), back.DigPoints.Count(d => d.Kind == 1));
        Assert.Equal(3, back.DigPoints.Count(d => d.Kind == 1)); // LPA, nasion, RPA
        Assert.Equal(13, back.DigPoints.Count(d => d.Kind == 3)); // the 12 recorded electrodes and the added Cz
        Assert.Equal((0.5, 128.0), (back.HighPass, back.LowPass));
        // Cz was placed for the model in the montage's 'mri' frame; FIF positions are head-frame, so it is written there.
        var cz = StandardMontage.Standard1005.Find("Cz")!;
        Assert.Equal(new[] { (float)cz.Head.X, (float)cz.Head.Y, (float)cz.Head.Z }, back.Channels.Single(c => c.Name == "Cz").Location[..3]);
        Assert.NotEqual(cz.Head, cz.Mri);
    }

    [PythonMneFact]
    public void Mne_reads_the_date_annotations_fiducials_filters_and_reference()
    {
        var (_, output) = Reconstruct();
        const string script = """
            import json, sys, mne
            raw = mne.io.read_raw_fif(sys.argv[1], verbose=False)
            info = raw.info
            print(json.dumps({
                "meas_date": info["meas_date"].isoformat(), "first_samp": int(raw.first_samp),
                "onsets": [float(o) for o in raw.annotations.onset], "descriptions": list(raw.annotations.description),
                "fiducials": sum(1 for d in info["dig"] if d["kind"] == 1), "highpass": info["highpass"],
                "lowpass": info["lowpass"], "custom_ref_applied": int(info["custom_ref_applied"]),
            }))
            """;
        var start = new ProcessStartInfo(PythonMneFactAttribute.Python, ["-c", script, output]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var python = Process.Start(start)!;
        string stdout = python.StandardOutput.ReadToEnd(), stderr = python.StandardError.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, stderr);
        var mne = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("2023-12-20T15:40:20+00:00", mne.GetProperty("meas_date").GetString());
        Assert.Equal(2560, mne.GetProperty("first_samp").GetInt32());
        // MNE counts onsets from meas_date: 10 s of first sample + 6 s.
        Assert.Equal(16.0, mne.GetProperty("onsets")[0].GetDouble(), 3);
        Assert.Equal("blink", mne.GetProperty("descriptions")[0].GetString());
        Assert.Equal(3, mne.GetProperty("fiducials").GetInt32());
        Assert.Equal(0.5, mne.GetProperty("highpass").GetDouble(), 6);
        Assert.Equal(128.0, mne.GetProperty("lowpass").GetDouble(), 6);
        Assert.Equal(1, mne.GetProperty("custom_ref_applied").GetInt32());
    }
}
