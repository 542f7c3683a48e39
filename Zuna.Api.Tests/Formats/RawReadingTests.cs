using Zuna.Engine.Fif;

namespace Zuna.Api.Tests.Formats;

/// <summary>
/// Each corpus recording read by our readers against MNE 1.3's reading of it: names, types, sample rate, volts
/// (≤ 1e-6 relative to the channel's scale, plus float32 storage) and annotations.
/// </summary>
public class RawReadingTests
{
    public static IEnumerable<object[]> Continuous => FormatCase.Of("edf", "bdf", "brainvision", "csv", "eeglab");

    [Theory]
    [MemberData(nameof(Continuous))]
    public void ChannelsAndRateAreMnes(string name)
    {
        var c = FormatCase.Load(name);
        var raw = c.ReadRaw();
        Assert.Equal(c.RawNames, raw.Channels.Select(ch => ch.Name).ToArray());
        Assert.Equal(c.RawTypes, raw.Channels.Select(FormatCase.TypeName).ToArray());
        Assert.Equal(c.SampleRate, raw.SampleRate, 9);
        Assert.Equal(c.Meta.GetProperty("n_times_in").GetInt32(), raw.SampleCount);
    }

    [Theory]
    [MemberData(nameof(Continuous))]
    public void VoltsAreMnes(string name)
    {
        var c = FormatCase.Load(name);
        var raw = c.ReadRaw();
        var head = c.Arrays["raw_volts"];
        int width = (int)head.Shape[1];
        CompareBlock(raw, head, 0, name + " head");
        if (c.Arrays.TryGetValue("raw_volts_tail", out var tail)) CompareBlock(raw, tail, raw.SampleCount - (int)tail.Shape[1], name + " tail");
        Assert.True(width <= raw.SampleCount);

        var sums = c.Arrays["raw_sum"].Values;
        var sumsq = c.Arrays["raw_sumsq"].Values;
        for (int ch = 0; ch < raw.Channels.Count; ch++)
        {
            double s = 0, q = 0;
            foreach (float v in raw.Data[ch]) { s += v; q += (double)v * v; }
            double scale = Math.Sqrt(sumsq[ch] * raw.SampleCount) + 1e-30;
            Assert.True(Math.Abs(s - sums[ch]) <= 1e-6 * scale, $"{name} {raw.Channels[ch].Name}: sum {s:E6} vs {sums[ch]:E6}");
            Assert.True(Math.Abs(q - sumsq[ch]) <= 1e-6 * sumsq[ch] + 1e-30, $"{name} {raw.Channels[ch].Name}: sum of squares {q:E6} vs {sumsq[ch]:E6}");
        }
    }

    [Theory]
    [MemberData(nameof(Continuous))]
    public void AnnotationsAreMnes(string name)
    {
        var c = FormatCase.Load(name);
        var raw = c.ReadRaw();
        var onsets = c.Arrays["annot_onset"].Values;
        var durations = c.Arrays["annot_duration"].Values;
        var descriptions = c.Arrays["annot_description"].Strings ?? [];
        Assert.Equal(onsets.Length, raw.Annotations.Count);
        for (int i = 0; i < onsets.Length; i++)
        {
            Assert.Equal(descriptions[i], raw.Annotations[i].Description);
            Assert.Equal(onsets[i], raw.Annotations[i].Onset, 1e-9);
            Assert.Equal(durations[i], raw.Annotations[i].Duration, 1e-9);
        }
    }

    /// <summary>Per channel, max |ours − MNE| ≤ 1e-6 × the channel's max |MNE| (float32 storage is ~6e-8).</summary>
    private static void CompareBlock(RawRecording raw, Zuna.Api.Tests.TestSupport.NpyArray expected, int start, string what)
    {
        int channels = (int)expected.Shape[0], width = (int)expected.Shape[1];
        Assert.Equal(raw.Channels.Count, channels);
        for (int ch = 0; ch < channels; ch++)
        {
            var row = expected.Row(ch);
            double scale = 0, diff = 0;
            for (int i = 0; i < width; i++)
            {
                scale = Math.Max(scale, Math.Abs(row[i]));
                diff = Math.Max(diff, Math.Abs(raw.Data[ch][start + i] - row[i]));
            }
            Assert.True(diff <= 1e-6 * scale + 1e-30, $"{what} {raw.Channels[ch].Name}: max diff {diff:E3} vs scale {scale:E3}");
        }
    }
}
