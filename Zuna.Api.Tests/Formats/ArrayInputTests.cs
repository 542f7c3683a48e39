using System.Text;
using Zuna.Engine;
using Zuna.Engine.Fif;
using Zuna.Engine.Input;
using Zuna.Engine.Input.Arrays;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Formats;

/// <summary>
/// Plain arrays: the CSV corpus recording written again as .npy (every dtype, both orders) and as a safetensors array
/// must read to the same volts and give MNE's chain output for that CSV (reference csv__*.ref.npz); sample rate and
/// units from options; options on other formats, missing sidecars and broken arrays are typed errors.
/// </summary>
public sealed class ArrayInputTests : IDisposable
{
    private const string CsvCase = "csv__s_csv_12ch_250hz";
    private readonly string _folder = Directory.CreateTempSubdirectory("zuna-arrays-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static RawRecording Csv => FormatCase.Load(CsvCase).ReadRaw();

    /// <summary>A .npy of the CSV's volts (× scale), plus its sidecar; returns its path.</summary>
    private string WriteNpy(string name, string dtype, bool fortran, double scale = 1, string? sidecar = null)
    {
        var raw = Csv;
        int c = raw.Channels.Count, n = raw.SampleCount, width = dtype[^1] - '0';
        string dict = $"{{'descr': '{dtype}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': ({c}, {n}), }}";
        int headerLength = (10 + dict.Length + 1 + 63) / 64 * 64 - 10;
        using var stream = new MemoryStream();
        stream.Write([0x93, .. "NUMPY"u8, 1, 0]);
        stream.Write(BitConverter.GetBytes((ushort)headerLength));
        stream.Write(Encoding.ASCII.GetBytes(dict.PadRight(headerLength - 1) + "\n"));
        var value = new byte[width];
        for (long i = 0; i < (long)c * n; i++)
        {
            int ch = (int)(fortran ? i % c : i / n), t = (int)(fortran ? i / c : i % n);
            double v = raw.DoubleData![ch][t] * scale;
            switch (dtype)
            {
                case "<f4": BitConverter.TryWriteBytes(value, (float)v); break;
                case "<f8": BitConverter.TryWriteBytes(value, v); break;
                case "<i2": BitConverter.TryWriteBytes(value, (short)Math.Round(v)); break;
                default: BitConverter.TryWriteBytes(value, (int)Math.Round(v)); break;
            }
            stream.Write(value);
        }
        string path = Path.Combine(_folder, name + ".npy");
        File.WriteAllBytes(path, stream.ToArray());
        string names = string.Join(", ", raw.Channels.Select(ch => $"\"{ch.Name}\""));
        File.WriteAllText(Path.Combine(_folder, name + ".json"), sidecar ?? $"{{\"channel_names\": [{names}], \"sfreq\": 250}}");
        return path;
    }

    private static RawRecording ReadRaw(string path, ArrayOptions? options = null)
    {
        var source = RecordingSource.FromFile(path).With(options ?? ArrayOptions.None);
        return Assert.IsType<RecordingContent.Continuous>(RecordingLoader.Default.Detect(source).Read(source)).Recording;
    }

    private static void AssertChainMatchesMne(RawRecording raw)
    {
        var c = FormatCase.Load(CsvCase);
        var result = Preprocessor.Run(raw, PreprocessOptions.Default);
        Assert.Equal(c.Arrays["ch_names"].Strings, result.ChannelNames);
        var expected = c.Arrays["epochs"].Values;
        Assert.Equal(expected.Length, result.Epochs.Length);
        double diff = 0;
        for (int i = 0; i < expected.Length; i++) diff = Math.Max(diff, Math.Abs(result.Epochs[i] - expected[i]));
        Assert.True(diff <= 1e-5, $"epochs max diff {diff:E3} z-units");
    }

    [Theory]
    [InlineData("<f8", false)]
    [InlineData("<f8", true)]
    [InlineData("<f4", false)]
    [InlineData("<f4", true)]
    public void FloatNpyReadsLikeTheCsvAndGivesMnesChain(string dtype, bool fortran)
    {
        var raw = ReadRaw(WriteNpy("rec", dtype, fortran));
        var csv = Csv;
        Assert.Equal(csv.Channels.Select(c => c.Name), raw.Channels.Select(c => c.Name));
        Assert.Equal(250, raw.SampleRate);
        for (int ch = 0; ch < csv.Channels.Count; ch++)
            for (int t = 0; t < csv.SampleCount; t += 97)
                Assert.Equal(csv.DoubleData![ch][t], raw.DoubleData![ch][t], dtype == "<f8" ? 0 : 1e-10);
        if (dtype == "<f8") AssertChainMatchesMne(raw);
    }

    [Theory]
    [InlineData("<i2")]
    [InlineData("<i4")]
    public void IntegerNpyInMicrovoltsIsScaled(string dtype)
    {
        // Integer µV (the CSV's volts × 1e6, rounded): units from the sidecar, then the same from the option.
        string names = string.Join(", ", Csv.Channels.Select(ch => $"\"{ch.Name}\""));
        var path = WriteNpy("ints", dtype, fortran: false, scale: 1e6, sidecar: $"{{\"channel_names\": [{names}], \"sfreq\": 250, \"units\": \"uV\"}}");
        var raw = ReadRaw(path);
        Assert.Equal(Math.Round(Csv.DoubleData![3][100] * 1e6) * 1e-6, raw.DoubleData![3][100], 1e-15);
        var volts = ReadRaw(path, new ArrayOptions(Units: ArrayUnits.Volts));
        Assert.Equal(Math.Round(Csv.DoubleData![3][100] * 1e6), volts.DoubleData![3][100]);
    }

    [Fact]
    public void SampleRateOptionWinsOverTheSidecar() =>
        Assert.Equal(500, ReadRaw(WriteNpy("rate", "<f4", false), new ArrayOptions(SampleRate: 500)).SampleRate);

    [Fact]
    public void SafeTensorsArrayIsToldApartFromThePreprocessedLayout()
    {
        var csv = Csv;
        var flat = csv.DoubleData!.SelectMany(r => r).ToArray();
        var bytes = new SafeTensorsWriter()
            .Add(TensorToWrite.Of(SafeTensorsArray.DataTensor, flat, csv.Channels.Count, csv.SampleCount))
            .Metadata("channel_names", System.Text.Json.JsonSerializer.Serialize(csv.Channels.Select(c => c.Name)))
            .Metadata("sfreq", "250")
            .ToArray();
        var source = RecordingSource.FromStream(new MemoryStream(bytes), "rec.safetensors");
        var raw = Assert.IsType<RecordingContent.Continuous>(RecordingLoader.Default.Detect(source).Read(source)).Recording;
        Assert.Equal(csv.DoubleData![5], raw.DoubleData![5]);
        AssertChainMatchesMne(raw);

        var noRate = new SafeTensorsWriter()
            .Add(TensorToWrite.Of(SafeTensorsArray.DataTensor, flat, csv.Channels.Count, csv.SampleCount))
            .Metadata("channel_names", System.Text.Json.JsonSerializer.Serialize(csv.Channels.Select(c => c.Name)))
            .ToArray();
        var error = Assert.Throws<InvalidOptionException>(() => RecordingLoader.Default.Load(RecordingSource.FromStream(new MemoryStream(noRate), "x.safetensors"), InputOptions.Default));
        Assert.Contains("--sfreq", error.Message);
        var withRate = RecordingLoader.Default.Load(RecordingSource.FromStream(new MemoryStream(noRate), "x.safetensors"),
            InputOptions.Default with { Arrays = new ArrayOptions(SampleRate: 250) });
        Assert.Equal(3, withRate.EpochCount);
    }

    [Fact]
    public void CsvWithoutTimestampsTakesTheSampleRateOption()
    {
        var lines = File.ReadAllLines(FormatCase.Load(CsvCase).InputPath).Where(l => !l.StartsWith('#'))
            .Select(l => string.Join(",", l.Split(',').Skip(1))).ToArray();
        var bytes = Encoding.ASCII.GetBytes(string.Join("\n", lines));
        var error = Assert.Throws<InvalidOptionException>(() => MalformedInput.Read(bytes, "plain.csv"));
        Assert.Contains("sfreq", error.Message);
        var source = RecordingSource.FromStream(new MemoryStream(bytes), "plain.csv").With(new ArrayOptions(250, ArrayUnits.Microvolts));
        var raw = Assert.IsType<RecordingContent.Continuous>(RecordingLoader.Default.Detect(source).Read(source)).Recording;
        Assert.Equal(250, raw.SampleRate);
        Assert.Equal(Csv.DoubleData![0][10] * 1e-6, raw.DoubleData![0][10], 1e-20);
    }

    [Fact]
    public void ArrayOptionsOnOtherFormatsAreAnError()
    {
        var source = RecordingSource.FromFile(SharedData.Path("data/formats/edf/eeglab/test.edf"));
        var error = Assert.Throws<InvalidOptionException>(() =>
            RecordingLoader.Default.Load(source, InputOptions.Default with { Arrays = new ArrayOptions(SampleRate: 256) }));
        Assert.Contains("plain arrays only", error.Message);
        Assert.Throws<InvalidOptionException>(() => ArrayOptions.ParseUnits("mV", "units"));
        Assert.Throws<InvalidOptionException>(() => ArrayOptions.CheckSampleRate(-3, "sfreq"));
    }

    [Fact]
    public void MissingOrWrongSidecarsAreRefused()
    {
        var path = WriteNpy("lonely", "<f4", false);
        File.Delete(Path.Combine(_folder, "lonely.json"));
        Assert.Contains("lonely.json", Assert.Throws<RecordingFormatException>(() => ReadRaw(path)).Message);
        File.WriteAllText(Path.Combine(_folder, "lonely.json"), "{\"channel_names\": [\"Cz\"], \"sfreq\": 250}");
        Assert.Contains("12 rows", Assert.Throws<RecordingFormatException>(() => ReadRaw(path)).Message);
        File.WriteAllText(Path.Combine(_folder, "lonely.json"), "{not json");
        Assert.Contains("not valid JSON", Assert.Throws<RecordingFormatException>(() => ReadRaw(path)).Message);
    }

    [Fact]
    public void BrokenNpyFilesAreRefused()
    {
        var bytes = File.ReadAllBytes(WriteNpy("broken", "<f4", false));
        var sidecar = File.ReadAllBytes(Path.Combine(_folder, "broken.json"));
        RecordingContent Read(byte[] npy)
        {
            var source = RecordingSource.FromParts(new MemoryStream(npy), "broken.npy", new Dictionary<string, Stream> { ["broken.json"] = new MemoryStream(sidecar) });
            return RecordingLoader.Default.Detect(source).Read(source);
        }
        string Refused(byte[] npy) => Assert.ThrowsAny<ZunaInputException>(() => Read(npy)).Message;
        Assert.Contains("needs", Refused(bytes[..(bytes.Length / 2)]));
        Assert.Contains("header", Refused(bytes[..12]));
        string text = Encoding.Latin1.GetString(bytes, 0, 128);
        Assert.Contains("not supported", Refused(Encoding.Latin1.GetBytes(text.Replace("<f4", ">f4")).Concat(bytes[128..]).ToArray()));
        Assert.Contains("2-D", Refused(Encoding.Latin1.GetBytes(text.Replace("(12, ", "(12, 1, ")[..128]).Concat(bytes[128..]).ToArray()));
        Assert.Contains("needs", Refused(Encoding.Latin1.GetBytes(text.Replace("(12, 4500)", "(99999999, 99999)")).Concat(bytes[128..]).ToArray()));
        Assert.Contains("positive", Refused(Encoding.Latin1.GetBytes(text.Replace("(12, 4500)", "(-12, 4500)")).Concat(bytes[128..]).ToArray()));
        MalformedInput.Refused(Encoding.ASCII.GetBytes("definitely not numpy"), "garbage.npy");
        var random = new Random(31);
        for (int i = 0; i < 150; i++)
        {
            var mutated = (byte[])bytes.Clone();
            for (int e = 0; e < 1 + random.Next(4); e++) mutated[random.Next(128)] = (byte)random.Next(256);
            if (random.Next(3) == 0) mutated = mutated[..random.Next(1, mutated.Length)];
            try { Read(mutated); } catch (ZunaInputException) { } // read or refused with a typed error; anything else fails
        }
    }
}
