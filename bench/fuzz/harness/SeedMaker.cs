using System.Text.RegularExpressions;
using Zuna.Engine.Fif;
using Zuna.Engine.Input;
using Zuna.Engine.Outputs;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Fuzz;

/// <summary>
/// Small seed inputs made from the shared recordings, one folder per reader extension under the output folder:
/// libFuzzer runs fastest on small inputs and passes at most 1 MiB to the .NET side, so long recordings are cut short
/// (FIF: 32 samples; preprocessed safetensors: one epoch of 4 channels of a preprocessed FIF; CSV: 20 rows) and BrainVision headers are
/// pointed at the harness's generated companions.
/// </summary>
public static partial class SeedMaker
{
    private const int MaxCopiedBytes = 100_000;

    public static void Write(string sharedDir, string outDir)
    {
        string data = Path.Combine(sharedDir, "data");
        foreach (string fif in Directory.GetFiles(Path.Combine(data, "fif"), "*.fif"))
            WriteShortFif(fif, Seed(outDir, "fif", Path.GetFileName(fif)));
        WriteOneEpoch(Path.Combine(data, "fif", "zuna__sample1_raw.fif"), Seed(outDir, "safetensors", "one_epoch.safetensors"));
        foreach (string ext in new[] { "edf", "bdf" })
            foreach (string file in Files(data, ext).Where(f => new FileInfo(f).Length <= MaxCopiedBytes))
                File.Copy(file, Seed(outDir, ext, Path.GetFileName(file)), overwrite: true);
        foreach (string header in Files(data, "vhdr"))
            File.WriteAllText(Seed(outDir, "vhdr", Path.GetFileName(header)), PointAtCompanions(File.ReadAllText(header)));
        foreach (string csv in Files(data, "csv"))
            File.WriteAllLines(Seed(outDir, "csv", Path.GetFileName(csv)), File.ReadLines(csv).Take(20));
    }

    private static IEnumerable<string> Files(string dir, string ext) =>
        Directory.EnumerateFiles(dir, "*." + ext, SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    private static string Seed(string outDir, string ext, string name)
    {
        string dir = Path.Combine(outDir, ext);
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }

    private static void WriteShortFif(string source, string destination)
    {
        RawRecording raw;
        try { raw = RecordingLoader.Default.ReadContinuous(RecordingSource.FromFile(source)); }
        catch (Zuna.Engine.ZunaInputException) { return; } // a split part read alone, say: not a seed
        int samples = Math.Min(32, raw.SampleCount);
        FifWriter.Write(destination, new RawRecording
        {
            Channels = raw.Channels, SampleRate = raw.SampleRate, SampleCount = samples, FirstSample = raw.FirstSample,
            Data = [.. raw.Data.Select(d => d[..samples])], BadChannels = raw.BadChannels, DigPoints = raw.DigPoints,
            Annotations = raw.Annotations, MeasurementDate = raw.MeasurementDate, HighPass = raw.HighPass, LowPass = raw.LowPass,
        });
    }

    private static void WriteOneEpoch(string source, string destination)
    {
        var p = RecordingLoader.Default.Load(RecordingSource.FromFile(source), InputOptions.Default);
        int channels = Math.Min(4, p.ChannelCount);
        var epoch = new float[channels * p.EpochSamples];
        Array.Copy(p.Epochs, epoch, epoch.Length);
        var small = new Preprocessed(epoch, 1, channels, p.EpochSamples, p.ChannelPositions[..(channels * 3)],
            p.ChannelNames[..channels], p.SampleRateIn, p.GlobalMean, p.GlobalStd);
        using var file = File.Create(destination);
        SafeTensorsWriter.From(PreprocessedFile.Layout(small)).WriteAsync(file).GetAwaiter().GetResult();
    }

    private static string PointAtCompanions(string header) =>
        MarkerFileLine().Replace(DataFileLine().Replace(header, "DataFile=fuzz.eeg"), "MarkerFile=fuzz.vmrk");

    [GeneratedRegex(@"(?im)^DataFile=.*$")]
    private static partial Regex DataFileLine();

    [GeneratedRegex(@"(?im)^MarkerFile=.*$")]
    private static partial Regex MarkerFileLine();
}
