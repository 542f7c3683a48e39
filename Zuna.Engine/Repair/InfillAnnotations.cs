using Zuna.Engine.Fif;

namespace Zuna.Engine.Repair;

/// <summary>
/// The ZUNA1.1_infilled annotations (docs/zuna11.md §5.6): every maximal repaired run [s, e) of every channel is a
/// span; identical spans of several channels become one annotation naming them in output order, or naming none when
/// every output channel has that exact span; sorted by (start, end). Onsets count from the first output sample.
/// </summary>
public static class InfillAnnotations
{
    public const string Description = "ZUNA1.1_infilled";

    public static IReadOnlyList<FifAnnotation> Build(byte[][] mask, IReadOnlyList<string> channelNames, double sampleRate)
    {
        var spans = new SortedDictionary<(int Start, int End), List<int>>();
        for (int c = 0; c < mask.Length; c++)
            foreach (var run in Runs(mask[c]))
            {
                if (!spans.TryGetValue(run, out var channels)) spans[run] = channels = [];
                channels.Add(c);
            }
        return [.. spans.Select(kv => new FifAnnotation(kv.Key.Start / sampleRate, (kv.Key.End - kv.Key.Start) / sampleRate, Description)
        {
            ChannelNames = kv.Value.Count == mask.Length ? [] : [.. kv.Value.Select(c => channelNames[c])],
        })];
    }

    /// <summary>Maximal runs [start, end) of non-zero entries.</summary>
    public static IEnumerable<(int Start, int End)> Runs(byte[] mask)
    {
        for (int i = 0; i < mask.Length;)
        {
            if (mask[i] == 0) { i++; continue; }
            int start = i;
            while (i < mask.Length && mask[i] != 0) i++;
            yield return (start, i);
        }
    }
}
