using System.Text;
using Zuna.Engine.Fif;

namespace Zuna.Api.Tests.Fif;

public sealed class FifChannelNameTests
{
    [Fact]
    public void Duplicate_channel_names_get_mne_running_numbers()
    {
        // Channels 3 and 6 of the tutorial file renamed to "Fp1" in the struct; MNE 1.3's read_raw_fif (run by hand on the
        // same bytes) then reports Fp1-0, Fp2, Fp1-1, F4, C3, Fp1-2, ...
        byte[] bytes = File.ReadAllBytes(FifTestFiles.PathOf("zuna__sample1_raw.fif"));
        var chInfos = FifTestFiles.Tags(bytes).Where(t => t.Kind == 203).ToList();
        foreach (int i in new[] { 2, 5 })
        {
            var name = bytes.AsSpan((int)chInfos[i].PayloadPosition + 80, 16);
            name.Clear();
            Encoding.ASCII.GetBytes("Fp1").CopyTo(name);
        }
        using var ms = new MemoryStream(bytes);
        var raw = FifReader.Read(ms, "dup_raw.fif");
        Assert.Equal(["Fp1-0", "Fp2", "Fp1-1", "F4", "C3", "Fp1-2", "P3", "P4", "O1", "O2", "F7", "F8"], raw.Channels.Select(c => c.Name));
    }
}
