using Zuna.Api.Tests.TestSupport;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Formats;

/// <summary>`zuna preprocess` with --sfreq/--units: a CSV without timestamps in µV reads; the options on an EDF exit 3 with one line.</summary>
public sealed class ArrayCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("zuna-array-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task CsvWithoutTimestampsTakesSfreqAndUnits()
    {
        // The corpus CSV without its timestamp column, values in µV.
        var lines = File.ReadAllLines(SharedData.Path("data/formats/csv/synthetic/s_csv_12ch_250hz.csv")).Where(l => !l.StartsWith('#')).ToArray();
        var rows = lines.Skip(1).Select(l => string.Join(",", l.Split(',').Skip(1).Select(v => (double.Parse(v, System.Globalization.CultureInfo.InvariantCulture) * 1e6).ToString("R", System.Globalization.CultureInfo.InvariantCulture))));
        string csv = Path.Combine(_folder, "plain.csv"), output = Path.Combine(_folder, "plain.safetensors");
        File.WriteAllLines(csv, [string.Join(",", lines[0].Split(',').Skip(1)), .. rows]);

        var (code, _, err) = await CliRun.Run("preprocess", csv, "--out", output);
        Assert.Equal(3, code);
        Assert.Contains("--sfreq", err);

        (code, _, err) = await CliRun.Run("preprocess", csv, "--sfreq", "250", "--units", "uV", "--out", output);
        Assert.True(code == 0, err);
        using var file = SafeTensorsFile.Open(output);
        Assert.Equal(new long[] { 3, 12, 1280 }, file.Entry("eeg").Shape);
        var reference = FormatCase.Load("csv__s_csv_12ch_250hz");
        double std = double.Parse(file.Metadata["global_std"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(reference.Arrays["global_std"].Values[0], std, 1e-6 * std);
    }

    [Fact]
    public async Task ArrayOptionsOnAnEdfExitThree()
    {
        var (code, _, err) = await CliRun.Run("preprocess", SharedData.Path("data/formats/edf/eeglab/test.edf"), "--units", "uV", "--out", Path.Combine(_folder, "x.safetensors"));
        Assert.Equal(3, code);
        Assert.Contains("plain arrays only", err);
    }
}
