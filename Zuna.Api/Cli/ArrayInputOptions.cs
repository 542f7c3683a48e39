using System.CommandLine;
using Zuna.Engine.Input.Arrays;

namespace Zuna.Api.Cli;

/// <summary>--sfreq and --units: what plain arrays (CSV/TSV, .npy, safetensors arrays) may need to be told; an error for other formats.</summary>
internal sealed class ArrayInputOptions
{
    public Option<double?> SampleRate { get; } = new("--sfreq") { Description = "Sample rate in Hz of a CSV/TSV without timestamps, a .npy or a safetensors array (wins over the file's own). Array formats only." };
    public Option<string?> Units { get; } = new("--units") { Description = "V (default) or uV: the units of a CSV/TSV, .npy or safetensors array. Array formats only." };

    public void AddTo(Command command)
    {
        command.Options.Add(SampleRate);
        command.Options.Add(Units);
    }

    public ArrayOptions Parse(ParseResult parse) => new(
        ArrayOptions.CheckSampleRate(parse.GetValue(SampleRate), "--sfreq"),
        ArrayOptions.ParseUnits(parse.GetValue(Units), "--units"));
}
