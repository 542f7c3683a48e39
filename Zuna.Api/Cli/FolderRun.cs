using Zuna.Engine;
using Zuna.Engine.Input;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Cli;

/// <summary>
/// Many recordings in one command: a folder (every file a registered reader takes by its name) or a glob
/// ("data/*.edf"). One output per input in the output folder, named after it; outputs already complete are skipped
/// (resumable); a bad file is reported and the run goes on; the failures are listed at the end.
/// </summary>
public static class FolderRun
{
    /// <summary>True when <paramref name="input"/> names a folder or holds a wildcard.</summary>
    public static bool IsBatch(string input) => Directory.Exists(input) || input.Contains('*') || input.Contains('?');

    /// <summary>The recordings a folder or glob names, in name order.</summary>
    public static IReadOnlyList<string> Inputs(string input)
    {
        string folder = Directory.Exists(input) ? input : Path.GetDirectoryName(input) is { Length: > 0 } d ? d : ".";
        string pattern = Directory.Exists(input) ? "*" : Path.GetFileName(input);
        if (!Directory.Exists(folder)) throw new InvalidOptionException($"folder not found: {folder}");
        var extensions = RecordingLoader.Default.Readers.SelectMany(r => r.Extensions).ToList();
        return Directory.GetFiles(folder, pattern)
            .Where(f => extensions.Any(x => f.EndsWith(x, StringComparison.OrdinalIgnoreCase)))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The output for one input: its name without the recording extension, plus <paramref name="suffix"/>.</summary>
    public static string OutputPath(string input, string outDir, string suffix)
    {
        string name = Path.GetFileName(input);
        foreach (var ext in RecordingLoader.Default.Readers.SelectMany(r => r.Extensions).OrderByDescending(e => e.Length))
            if (name.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) { name = name[..^ext.Length]; break; }
        return Path.Combine(outDir, name + suffix);
    }

    /// <summary>
    /// Runs <paramref name="process"/>(input, temporary output) for each input whose output is missing or unreadable,
    /// then moves the temporary file into place (a crash never leaves a half file that looks complete). Returns the exit code.
    /// </summary>
    public static int Run(IReadOnlyList<string> inputs, string outDir, string suffix, Func<string, string, string> process,
        TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(outDir);
        var failures = new List<(string Input, string Reason)>();
        int done = 0, skipped = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string input = inputs[i], target = OutputPath(input, outDir, suffix);
            string prefix = $"[{i + 1}/{inputs.Count}] {Path.GetFileName(input)}";
            if (IsComplete(target))
            {
                skipped++;
                output.WriteLine($"{prefix}: skipped, {Path.GetFileName(target)} is complete");
                continue;
            }
            string temporary = target + ".partial";
            try
            {
                string summary = process(input, temporary);
                File.Move(temporary, target, overwrite: true);
                done++;
                output.WriteLine($"{prefix}: {summary}");
            }
            catch (Exception e) when (e is ZunaInputException or IOException or UnauthorizedAccessException)
            {
                File.Delete(temporary);
                failures.Add((input, e.Message));
                error.WriteLine($"{prefix}: failed: {e.Message}");
            }
        }
        output.WriteLine($"{done} written, {skipped} already complete, {failures.Count} failed, of {inputs.Count} recordings.");
        foreach (var (input, reason) in failures) error.WriteLine($"zuna: failed: {input}: {reason}");
        return failures.Count == 0 ? CliApp.ExitCodes.Ok : CliApp.ExitCodes.InvalidInput;
    }

    private static bool IsComplete(string path)
    {
        if (!File.Exists(path)) return false;
        try
        {
            using var file = SafeTensorsFile.Open(path);
            return true;
        }
        catch (Exception e) when (e is ZunaInputException or IOException) { return false; }
    }
}
