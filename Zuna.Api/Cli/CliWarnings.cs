using System.CommandLine;
using Zuna.Engine.Preprocessing;

namespace Zuna.Api.Cli;

/// <summary>Prints what reading and channel selection warned about (dropped channels, repaired headers) on stderr.</summary>
public static class CliWarnings
{
    public static void Write(ParseResult parse, string inputName, Preprocessed input) =>
        Write(parse.InvocationConfiguration.Error, inputName, input);

    public static void Write(TextWriter log, string inputName, Preprocessed input)
    {
        foreach (var warning in input.Warnings)
            log.WriteLine($"zuna: warning: {inputName}: {warning}");
    }
}
