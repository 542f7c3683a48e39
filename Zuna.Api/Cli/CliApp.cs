using System.CommandLine;
using Zuna.Engine;

namespace Zuna.Api.Cli;

/// <summary>
/// The command-line verbs of the zuna executable. Running it with no verb serves HTTP instead
/// (see Program.cs). Every verb reports failures as one line on stderr and a non-zero exit code.
/// </summary>
public static class CliApp
{
    /// <summary>Exit codes shared by all verbs.</summary>
    public static class ExitCodes
    {
        public const int Ok = 0;
        public const int Failure = 1;
        public const int Usage = 2;
        public const int InvalidInput = 3;
        public const int ModelUnavailable = 4;
        public const int Cancelled = 130;
    }

    private static readonly Func<Command>[] VerbFactories =
    [
        // Each verb lives in its own file in this folder and adds itself here.
        PreprocessVerb.Create,
        EmbedVerb.Create,
        ReconstructVerb.Create,
        ProbeVerb.Create,
        BenchVerb.Create,
        RepairVerb.Create,
    ];

    private static readonly Lazy<RootCommand> Root = new(() =>
    {
        var root = new RootCommand("ZUNA EEG foundation model: preprocessing, embeddings and reconstructions. Run with no verb to serve HTTP.");
        foreach (var factory in VerbFactories) root.Subcommands.Add(factory());
        return root;
    });

    /// <summary>
    /// True when the command line is for the CLI: anything but the serving mode (no arguments, or options only). A first
    /// argument that is not an option is a verb, known or not: a mistyped verb is a usage error, never a server.
    /// </summary>
    public static bool IsVerb(string[] args) => !ServeArguments.AreServe(args);

    public static async Task<int> RunAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null, CancellationToken cancellationToken = default)
    {
        // Our own handler below prints one line; the library default would print a stack trace.
        var config = new InvocationConfiguration { Output = stdout ?? Console.Out, Error = stderr ?? Console.Error, EnableDefaultExceptionHandler = false };
        var parse = Root.Value.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var command = parse.CommandResult.Command;
            string help = command == Root.Value ? "zuna --help" : $"zuna {command.Name} --help";
            string message = command == Root.Value && args.Length > 0
                ? $"unknown verb '{args[0]}'{SuggestionFor(parse, command)}; the verbs are {string.Join(", ", command.Subcommands.Select(c => c.Name))}"
                : string.Join(" ", parse.Errors.Select(e => e.Message)) + SuggestionFor(parse, command);
            config.Error.WriteLine($"zuna: {message} (see '{help}')");
            return ExitCodes.Usage;
        }
        try
        {
            return await parse.InvokeAsync(config, cancellationToken);
        }
        catch (Exception e)
        {
            (config.Error).WriteLine($"zuna: {Describe(e)}");
            return ExitCodeFor(e);
        }
    }

    /// <summary>The closest verb or option to the first token the parser did not recognise.</summary>
    private static string SuggestionFor(ParseResult parse, Command command)
    {
        if (parse.UnmatchedTokens.FirstOrDefault() is not { } token) return "";
        var names = token.StartsWith('-')
            ? command.Options.SelectMany(o => o.Aliases.Append(o.Name))
            : command.Subcommands.Select(c => c.Name);
        return Suggestion.For(token, names);
    }

    /// <summary>The one line a user sees for an error.</summary>
    public static string Describe(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: 1 } a => Describe(a.InnerException!),
        FileNotFoundException f => $"file not found: {f.FileName ?? f.Message}",
        _ => e.Message.ReplaceLineEndings(" "),
    };

    /// <summary>Maps an exception type to an exit code, in one place.</summary>
    public static int ExitCodeFor(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: 1 } a => ExitCodeFor(a.InnerException!),
        OperationCanceledException => ExitCodes.Cancelled,
        ZunaInputException or FileNotFoundException or DirectoryNotFoundException => ExitCodes.InvalidInput,
        ModelLoadException => ExitCodes.ModelUnavailable,
        _ => ExitCodes.Failure,
    };
}
