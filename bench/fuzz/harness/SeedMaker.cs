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
/// (FIF: 32 samples; preprocessed safetensors: one epoch of 4 channels of a preprocessed FIF; CSV: 20 rows; .npy: made here) and BrainVision headers are
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
        // EEGLAB: the MAT v5 sets small enough to pass whole (the others are cut at libFuzzer's -max_len).
        foreach (string set in Files(data, "set").Where(f => new FileInfo(f).Length <= 32_768))
            File.Copy(set, Seed(outDir, "set", Path.GetFileName(set)), overwrite: true);
        WriteNpy(Seed(outDir, "npy", "four_channels.npy"), "<f4", 4, 256);
        WriteNpy(Seed(outDir, "npy", "four_channels_f8.npy"), "<f8", 4, 64);
    }

    /// <summary>A [channels, samples] .npy (format 1.0) of a slow sine in µV, for the four names of the harness's sidecar.</summary>
    private static void WriteNpy(string destination, string dtype, int channels, int samples)
    {
        string dict = $"{{'descr': '{dtype}', 'fortran_order': False, 'shape': ({channels}, {samples}), }}";
        int headerLength = (dict.Length + 1 + 10 + 63) / 64 * 64 - 10;   // the whole preamble a multiple of 64
        using var file = new BinaryWriter(File.Create(destination));
        file.Write((byte)0x93);   // the magic: byte 0x93, then "NUMPY"
        file.Write("NUMPY"u8);
        file.Write((byte)1);
        file.Write((byte)0);
        file.Write((ushort)headerLength);
        file.Write(System.Text.Encoding.ASCII.GetBytes(dict.PadRight(headerLength - 1) + "\n"));
        for (int i = 0; i < channels * samples; i++)
        {
            double value = 20 * Math.Sin(i * 0.05) + i % channels;
            if (dtype == "<f8") file.Write(value);
            else file.Write((float)value);
        }
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
