using Zuna.Engine.Fif;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Preprocessing;

/// <summary>
/// The whole chain from the FIF file against fixtures/preprocess (the original zuna.preprocessing() output, MNE 1.3).
/// Only sample1_raw.fif is in data/fif, so the cases are sample1 and sample1 with bad_channels C3, O2
/// (sample2's input recording is not available here).
/// </summary>
public class GoldenPreprocessTests
{
    public static IEnumerable<object[]> Cases =>
    [
        ["sample1", Array.Empty<string>()],
        ["sample1_bad_C3_O2", new[] { "C3", "O2" }],
    ];

    private static RawRecording Sample1() => FifReader.Read(SharedData.Path("data/fif/zuna__sample1_raw.fif"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void EpochsMatchTheOriginalPipeline(string tag, string[] bad)
    {
        using var golden = SafeTensorsFile.Open(SharedData.Path("fixtures/preprocess/preprocess.safetensors"));
        var options = new PreprocessOptions { BadChannels = bad };
        var result = Preprocessor.Run(Sample1(), options);

        var expected = golden.ReadFloat32($"{tag}.epochs");
        var shape = golden.Entry($"{tag}.epochs").Shape;
        Assert.Equal(shape, new long[] { result.EpochCount, result.ChannelCount, result.EpochSamples });
        Assert.Equal(["Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2", "F7", "F8"], result.ChannelNames);
        double maxDiff = expected.Zip(result.Epochs, (a, b) => (double)Math.Abs(a - b)).Max();
        Assert.True(maxDiff <= 1e-5, $"{tag}: epochs differ by {maxDiff:E3} z-units");

        Assert.Equal(golden.ReadFloat32($"{tag}.chan_pos"), result.ChannelPositions);

        double mean = golden.ReadFloat64($"{tag}.global_mean")[0], std = golden.ReadFloat64($"{tag}.global_std")[0];
        double resultStd = result.GlobalStd!.Value, resultMean = result.GlobalMean!.Value;   // the chain always sets them
        Assert.True(Math.Abs(resultStd - std) <= 1e-9 * std, $"{tag}: std {resultStd:R} vs {std:R}");
        // After the average reference the mean is rounding noise (~1e-23 V); compare it on the scale of σ.
        Assert.True(Math.Abs(resultMean - mean) <= 1e-9 * std, $"{tag}: mean {resultMean:R} vs {mean:R}");

        foreach (string name in bad)
        {
            int c = Array.IndexOf(result.ChannelNames, name);
            for (int e = 0; e < result.EpochCount; e++)
                Assert.All(result.Epoch(e).Slice(c * result.EpochSamples, result.EpochSamples).ToArray(), v => Assert.Equal(0f, v));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ContinuousDataBeforeZScoreMatchesTheOriginalPipeline(string tag, string[] bad)
    {
        using var golden = SafeTensorsFile.Open(SharedData.Path("fixtures/preprocess/preprocess.safetensors"));
        var continuous = Preprocessor.RunContinuous(Sample1(), new PreprocessOptions { BadChannels = bad });
        var expected = golden.ReadFloat64($"{tag}.pre_zscore_f64");
        int n = continuous.Data[0].Length;
        Assert.Equal(expected.Length, continuous.Data.Length * n);
        double diff = 0, scale = 0;
        for (int c = 0; c < continuous.Data.Length; c++)
            for (int i = 0; i < n; i++)
            {
                diff = Math.Max(diff, Math.Abs(continuous.Data[c][i] - expected[c * n + i]));
                scale = Math.Max(scale, Math.Abs(expected[c * n + i]));
            }
        Assert.True(diff <= 1e-9 * scale, $"{tag}: pre-z-score data differ by {diff:E3} V (max {scale:E3} V)");
    }
}
