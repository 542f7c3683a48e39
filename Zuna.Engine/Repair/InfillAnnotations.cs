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

    /// <param name="mask">[C, N] row-major, non-zero = repaired.</param>
    public static IReadOnlyList<FifAnnotation> Build(byte[] mask, IReadOnlyList<string> channelNames, double sampleRate)
    {
        var spans = new SortedDictionary<(int Start, int End), List<int>>();
        int channels = channelNames.Count, n = mask.Length / channels;
        for (int c = 0; c < channels; c++)
            foreach (var run in Runs(mask.AsSpan(c * n, n)))
            {
                if (!spans.TryGetValue(run, out var members)) spans[run] = members = [];
                members.Add(c);
            }
        return [.. spans.Select(kv => new FifAnnotation(kv.Key.Start / sampleRate, (kv.Key.End - kv.Key.Start) / sampleRate, Description)
        {
            ChannelNames = kv.Value.Count == channels ? [] : [.. kv.Value.Select(c => channelNames[c])],
        })];
    }

    /// <summary>Maximal runs [start, end) of non-zero entries.</summary>
    public static List<(int Start, int End)> Runs(ReadOnlySpan<byte> mask)
    {
        var runs = new List<(int, int)>();
        for (int i = 0; i < mask.Length;)
        {
            if (mask[i] == 0) { i++; continue; }
            int start = i;
            while (i < mask.Length && mask[i] != 0) i++;
            runs.Add((start, i));
        }
        return runs;
    }
}
