using Zuna.Engine.Montage;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Preprocessing;

public class StandardMontageTests
{
    private static readonly StandardMontage Montage = StandardMontage.Standard1005;

    [Fact]
    public void HasMnesStandard1005Electrodes()
    {
        Assert.Equal(343, Montage.Electrodes.Count);
        Assert.Contains("standard_1005", Montage.SourceNote);
        Assert.Equal("Fp1", Montage.Electrodes[0].Name);
    }

    [Fact]
    public void LookupIgnoresCaseAndSpaces()
    {
        Assert.Equal(Montage.Find("Cz"), Montage.Find(" c z"));
        Assert.Equal(Montage.Find("FCz"), Montage.Find("fcz"));
        Assert.Null(Montage.Find("EEG 001"));
    }

    [Fact]
    public void CzInBothFramesMatchesTheSpec()
    {
        // docs/zuna-model.md §10 item 2: Cz head (−1.4, 27.6, 140.2) mm vs mri (0.4, −9.2, 100.2) mm.
        var head = Montage.HeadPosition("Cz")!.Value;
        var mri = Montage.Find("Cz")!.Mri;
        Assert.Equal(-1.4, head.X * 1000, 1);
        Assert.Equal(27.6, head.Y * 1000, 1);
        Assert.Equal(140.2, head.Z * 1000, 1);
        Assert.Equal(0.4, mri.X * 1000, 1);
        Assert.Equal(-9.2, mri.Y * 1000, 1);
        Assert.Equal(100.2, mri.Z * 1000, 1);
    }

    [Fact]
    public void HeadFrameEqualsThePositionsStoredInTheZunaTutorialRecording()
    {
        // sample1_raw.fif got its positions from set_montage('standard_1005'); the golden chan_pos are those.
        using var golden = SafeTensorsFile.Open(SharedData.Path("fixtures/preprocess/preprocess.safetensors"));
        var pos = golden.ReadFloat64("sample1.chan_pos_f64");
        string[] names = ["Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2", "F7", "F8"];
        for (int c = 0; c < names.Length; c++)
        {
            var p = Montage.HeadPosition(names[c])!.Value;
            Assert.Equal(pos[3 * c], p.X, 1e-6);
            Assert.Equal(pos[3 * c + 1], p.Y, 1e-6);
            Assert.Equal(pos[3 * c + 2], p.Z, 1e-6);
        }
    }
}
