using System.CommandLine;
using Zuna.Engine.Preprocessing;

namespace Zuna.Api.Cli.Figures;

/// <summary>
/// The <c>--figures DIR</c> option and what each verb writes there; any verb that embeds or reconstructs (the folder
/// mode included) adds the option and calls one of these after its output is written.
/// </summary>
public static class FigureOutput
{
    public static Option<DirectoryInfo?> CreateOption() => new("--figures")
    {
        Description = "Also write PNG charts into this folder: waveform overlay of an epoch with masked cells shaded and per-channel error " +
                      "(reconstruct), latent distribution against N(0,1) and per-dimension mean ± std (embed), time per phase (both).",
    };

    public static void WriteReconstruction(DirectoryInfo? folder, TextWriter log, Preprocessed input, float[] reconstruction,
        IReadOnlyCollection<string> badChannels, PhaseTimes times)
    {
        if (folder is null) return;
        var paths = ReconstructionFigures.Write(folder.FullName, input.ChannelNames, input.Epochs, reconstruction, input.EpochCount,
            input.EpochSamples, Preprocessed.SampleRate, badChannels);
        Report(log, [.. paths, TimingFigure.Write(folder.FullName, times)]);
    }

    public static void WriteEmbeddings(DirectoryInfo? folder, TextWriter log, float[] latents, int width, PhaseTimes times)
    {
        if (folder is null) return;
        Report(log, [.. LatentFigures.Write(folder.FullName, latents, width), TimingFigure.Write(folder.FullName, times)]);
    }

    private static void Report(TextWriter log, IEnumerable<string> paths)
    {
        foreach (var path in paths) log.WriteLine($"zuna: wrote {path}");
    }
}
