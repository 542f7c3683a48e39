namespace Zuna.Api.Tests.TestSupport;

public sealed class NpzTests
{
    [Fact]
    public void Reads_the_mne_reference_of_the_tutorial_file()
    {
        var npz = Npz.Load(SharedData.Path("data/fif/reference/zuna__sample1_raw.ref.npz"));
        Assert.Equal(new long[] { 12, 3840 }, npz["raw_volts"].Shape);
        Assert.Equal("Fp1", npz["ch_names"].Strings![0]);
        Assert.Equal(1691, npz["fir"].Length);
    }
}
