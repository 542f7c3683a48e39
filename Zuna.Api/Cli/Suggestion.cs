namespace Zuna.Api.Cli;

/// <summary>"Did you mean" for a mistyped verb or option: the closest known name within a small edit distance.</summary>
public static class Suggestion
{
    /// <summary>" (did you mean 'x'?)", or empty when nothing is close.</summary>
    public static string For(string typed, IEnumerable<string> known)
    {
        var best = known.Select(k => (Name: k, Distance: Distance(typed.ToLowerInvariant(), k.ToLowerInvariant())))
            .OrderBy(c => c.Distance).FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(2, typed.Length / 3) ? $" (did you mean '{best.Name}'?)" : "";
    }

    /// <summary>Levenshtein distance.</summary>
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
