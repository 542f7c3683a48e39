using Zuna.Engine;
using Zuna.Engine.Preprocessing;

namespace Zuna.Api.Tests.Formats;

/// <summary>
/// The whole chain on each corpus recording against MNE 1.3 (reference/*.ref.npz): kept channels and positions, the
/// continuous z-scored signal (≤ 1e-6 of its scale), global statistics, kept windows and the final epochs (≤ 1e-5
/// z-units). Recordings MNE could not turn into epochs must be refused with a clear input error.
/// </summary>
public class ChainTests
{
    public static IEnumerable<object[]> Continuous => FormatCase.Of("edf", "bdf", "brainvision", "csv", "eeglab");

    [Theory]
    [MemberData(nameof(Continuous))]
    public void ChainMatchesMne(string name)
    {
        var c = FormatCase.Load(name);
        var raw = c.ReadRaw();
        if (!c.HasChainOutput)
        {
            var error = Assert.ThrowsAny<ZunaInputException>(() => Preprocessor.Run(raw, PreprocessOptions.Default));
            Assert.Matches("standard 10-05 name|shorter than one|flat", error.Message);
            return;
        }

        var continuous = Preprocessor.RunContinuous(raw, PreprocessOptions.Default);
        Assert.Equal(c.Arrays["ch_names"].Strings, continuous.ChannelNames);
        var positions = c.Arrays["chan_pos"];
        for (int ch = 0; ch < continuous.ChannelNames.Length; ch++)
        {
            Assert.Equal(positions.Values[3 * ch], continuous.Positions[ch].X, 1e-6);
            Assert.Equal(positions.Values[3 * ch + 1], continuous.Positions[ch].Y, 1e-6);
            Assert.Equal(positions.Values[3 * ch + 2], continuous.Positions[ch].Z, 1e-6);
        }

        var (mean, std) = Stages.GlobalStats(continuous.Data, continuous.IsGood);
        double refStd = c.Arrays["global_std"].Values[0], refMean = c.Arrays["global_mean"].Values[0];
        Assert.True(Math.Abs(std - refStd) <= 1e-6 * refStd, $"{name}: std {std:E6} vs {refStd:E6}");
        Assert.True(Math.Abs(mean - refMean) <= 1e-6 * refStd, $"{name}: mean {mean:E6} vs {refMean:E6}");
        if (c.Arrays.TryGetValue("zscored", out var zscored))
        {
            double diff = 0, scale = 0;
            for (int ch = 0; ch < continuous.Data.Length; ch++)
            {
                var row = zscored.Row(ch);
                Assert.Equal(row.Length, continuous.Data[ch].Length);
                for (int i = 0; i < row.Length; i++)
                {
                    scale = Math.Max(scale, Math.Abs(row[i]));
                    diff = Math.Max(diff, Math.Abs((continuous.Data[ch][i] - mean) / std - row[i]));
                }
            }
            Assert.True(diff <= 1e-6 * scale + 1e-6, $"{name}: z-scored max diff {diff:E3} vs scale {scale:E3}");
        }

        var epochs = Preprocessor.Epoch(continuous, PreprocessOptions.Default, raw.SampleRate);
        var expected = c.Arrays["epochs"];
        int[] kept = c.Arrays["selection"].Values.Select(v => (int)v).ToArray();
        Assert.Equal(kept.Length, epochs.EpochCount);
        int[] stored = c.Arrays.TryGetValue("epochs_subset", out var subset) ? subset.Values.Select(v => (int)v).ToArray() : Enumerable.Range(0, kept.Length).ToArray();
        int perEpoch = epochs.ChannelCount * epochs.EpochSamples;
        double epochDiff = 0;
        for (int k = 0; k < stored.Length; k++)
            for (int i = 0; i < perEpoch; i++)
                epochDiff = Math.Max(epochDiff, Math.Abs(epochs.Epochs[(long)stored[k] * perEpoch + i] - expected.Values[(long)k * perEpoch + i]));
        Assert.True(epochDiff <= 1e-5, $"{name}: epochs max diff {epochDiff:E3} z-units");
    }
}
