using System.Text.Json;
using Zuna.Api.Tests.TestSupport;
using Zuna.Engine.Fif;

namespace Zuna.Api.Tests.Preprocessing;

/// <summary>One data/fif/reference/*.ref.npz (MNE 1.3 stage outputs of tools/mne_reference.py), loaded once per file.</summary>
public sealed class ReferenceCase
{
    private static readonly Dictionary<string, ReferenceCase> Cache = [];

    public required string Name { get; init; }
    public required Dictionary<string, NpyArray> Arrays { get; init; }
    public required JsonElement Meta { get; init; }

    public static readonly string[] Files =
    [
        "zuna__sample1_raw",
        "zuna__sample1_skips_raw",
        "bsl-datasets__resting_state_short-raw",
        "mne-python__brainvision_test_bin_raw",
        "fif_export__test_data-raw",
        "fif_export__split_raw",
    ];

    public static IEnumerable<object[]> All => Files.Select(f => new object[] { f });

    public static ReferenceCase Load(string name)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(name, out var c)) return c;
            var arrays = Npz.Load(SharedData.Path($"data/fif/reference/{name}.ref.npz"));
            string metaJson = arrays["meta"].Strings![0];
            c = new ReferenceCase { Name = name, Arrays = arrays, Meta = JsonDocument.Parse(metaJson).RootElement.Clone() };
            Cache[name] = c;
            return c;
        }
    }

    public double SampleRateIn => Meta.GetProperty("sfreq_in").GetDouble();
    public long FirstSample => Meta.GetProperty("first_samp").GetInt64();
    public int[] PartLengths => Meta.GetProperty("part_lengths").EnumerateArray().Select(e => e.GetInt32()).ToArray();
    public string[] ChannelNames => Arrays["ch_names"].Strings!;
    public int ChannelCount => (int)Arrays["raw_volts"].Shape[0];

    /// <summary>Annotations relative to the first sample (MNE stores them relative to meas_date / first_time).</summary>
    public List<FifAnnotation> Annotations =>
        Meta.GetProperty("annotations").EnumerateArray().Select(a => new FifAnnotation(
            a[0].GetDouble() - FirstSample / SampleRateIn, a[1].GetDouble(), a[2].GetString()!)).ToList();

    /// <summary>Stage array as one double[] per channel (2-D arrays only).</summary>
    public double[][] Rows(string stage)
    {
        var a = Arrays[stage];
        return Enumerable.Range(0, (int)a.Shape[0]).Select(r => a.Row(r).ToArray()).ToArray();
    }
}

public static class Compare
{
    /// <summary>Max |a − b| over all channels and the max |b| (the reference's scale).</summary>
    public static (double MaxDiff, double Scale) Rows(IReadOnlyList<double[]> actual, IReadOnlyList<double[]> expected)
    {
        Assert.Equal(expected.Count, actual.Count);
        double diff = 0, scale = 0;
        for (int c = 0; c < expected.Count; c++)
        {
            Assert.Equal(expected[c].Length, actual[c].Length);
            for (int i = 0; i < expected[c].Length; i++)
            {
                diff = Math.Max(diff, Math.Abs(actual[c][i] - expected[c][i]));
                scale = Math.Max(scale, Math.Abs(expected[c][i]));
            }
        }
        return (diff, scale);
    }
}
