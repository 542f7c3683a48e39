using System.CommandLine;
using Zuna.Engine.Preprocessing;

namespace Zuna.Api.Cli;

/// <summary>Prints what reading and channel selection warned about (dropped channels, repaired headers) on stderr.</summary>
public static class CliWarnings
{
    public static void Write(ParseResult parse, string inputName, Preprocessed input)
    {
        foreach (var warning in input.Warnings)
            parse.InvocationConfiguration.Error.WriteLine($"zuna: warning: {inputName}: {warning}");
    }
}
