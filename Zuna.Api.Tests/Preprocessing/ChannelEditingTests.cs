using Zuna.Engine;
using Zuna.Engine.Fif;
using Zuna.Engine.Montage;
using Zuna.Engine.Preprocessing;

namespace Zuna.Api.Tests.Preprocessing;

public sealed class ChannelEditingTests
{
    private static readonly Lazy<Preprocessed> Sample1 = new(() =>
        Preprocessor.Run(FifReader.Read(SharedData.Path("data/fif/zuna__sample1_raw.fif")), PreprocessOptions.Default));

    [Fact]
    public void Count_mode_picks_the_electrodes_the_original_picks()
    {
        // Expected names: ZUNA's upsample_channels run by hand with MNE 1.3 on this file's montage (target 20).
        var p = ChannelEditing.AddTargetChannels(Sample1.Value, new TargetChannels([], 20));
        Assert.Equal(20, p.ChannelCount);
        Assert.Equal(["M2", "M1", "A2", "A1", "TTP10", "TTP9", "TP10", "TP9"], p.ChannelNames.Skip(12));
        var m2 = StandardMontage.Standard1005.Find("M2")!.Mri;
        Assert.Equal((float)m2.X, p.ChannelPositions[12 * 3]);
        Assert.Equal((float)m2.Z, p.ChannelPositions[12 * 3 + 2]);
    }

    [Fact]
    public void Named_channels_are_zero_rows_appended_after_the_recorded_ones()
    {
        var original = Sample1.Value;
        var p = ChannelEditing.AddTargetChannels(original, TargetChannels.Parse("Cz, pz ,C3", headFrame: true));
        Assert.Equal(["Cz", "Pz"], p.ChannelNames.Skip(12));          // C3 is already recorded
        for (int e = 0; e < p.EpochCount; e++)
        {
            Assert.All(p.Epochs.AsSpan((e * 14 + 12) * 1280, 2 * 1280).ToArray(), v => Assert.Equal(0f, v));
            Assert.Equal(original.Epochs.AsSpan(e * 12 * 1280, 12 * 1280).ToArray(), p.Epochs.AsSpan(e * 14 * 1280, 12 * 1280).ToArray());
        }
        var cz = StandardMontage.Standard1005.HeadPosition("Cz")!.Value;
        Assert.Equal((float)cz.Z, p.ChannelPositions[12 * 3 + 2]);
    }

    [Theory]
    [InlineData("Cz,Xyz", "Xyz")]
    [InlineData("12", "must exceed")]
    [InlineData("400", "montage has only")]
    public void Impossible_targets_are_invalid_options(string text, string fragment)
    {
        var e = Assert.Throws<InvalidOptionException>(() => ChannelEditing.AddTargetChannels(Sample1.Value, TargetChannels.Parse(text)));
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void Zeroing_names_a_missing_channel_clearly()
    {
        var zeroed = ChannelEditing.ZeroChannels(Sample1.Value, ["c3"]);
        Assert.All(zeroed.Epochs.AsSpan(4 * 1280, 1280).ToArray(), v => Assert.Equal(0f, v));
        Assert.Throws<InvalidOptionException>(() => ChannelEditing.ZeroChannels(Sample1.Value, ["Cz"]));
    }
}
