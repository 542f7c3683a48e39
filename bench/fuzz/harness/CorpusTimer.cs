using System.Diagnostics;
using System.Globalization;

namespace Zuna.Fuzz;

/// <summary>
/// Times every input of a corpus folder through a reader (best of a few rounds, after one warm-up round), to find the
/// inputs that hold a fuzzing run back: prints the total rate and the slowest inputs.
/// </summary>
public static class CorpusTimer
{
    public static void Run(FuzzTarget target, string directory, int rounds)
    {
        var files = Directory.GetFiles(directory).Order(StringComparer.Ordinal).ToArray();
        var inputs = files.Select(File.ReadAllBytes).ToArray();
        var best = new double[files.Length];
        var refusals = new string?[files.Length];
        Array.Fill(best, double.MaxValue);
        for (int round = 0; round <= rounds; round++)
        {
            for (int i = 0; i < inputs.Length; i++)
            {
                var clock = Stopwatch.StartNew();
                target.RunOne(inputs[i]);
                refusals[i] = target.LastRefusal;
                if (round > 0) best[i] = Math.Min(best[i], clock.Elapsed.TotalMilliseconds);   // round 0 warms up
            }
        }
        double total = best.Sum();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{files.Length} inputs, {total:F1} ms per pass, {files.Length / (total / 1000):F0} inputs/s (best of {rounds})"));
        foreach (int i in Enumerable.Range(0, files.Length).OrderByDescending(i => best[i]).Take(8))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {best[i],9:F2} ms  {inputs[i].Length,6} B  {Path.GetFileName(files[i])}  {(refusals[i] is { } why ? "refused: " + why : "read")}"));
    }
}
