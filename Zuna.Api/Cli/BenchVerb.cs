using System.CommandLine;

namespace Zuna.Api.Cli;

/// <summary>`zuna bench &lt;what&gt;`: measurements written for README tables. Never part of the test suite.</summary>
public static class BenchVerb
{
    private static readonly Func<Command>[] Benchmarks =
    [
        // Each benchmark lives in its own file in Cli/Bench/ and adds itself here.
        Bench.BenchModel.Create,
        Bench.BenchLoad.Create,
        Bench.BenchPreprocess.Create,
        Bench.BenchSampler.Create,
    ];

    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks (speed and memory); results go to stdout as a Markdown table.");
        foreach (var factory in Benchmarks) bench.Subcommands.Add(factory());
        return bench;
    }
}
