using Zuna.Api.Cli;
using Zuna.Api.Cli.Figures;
using Zuna.Api.Tests.Api;
using Zuna.Engine.Input;
using Zuna.Engine.Preprocessing;

namespace Zuna.Api.Tests.Viewer;

/// <summary>`--figures DIR` on embed and reconstruct: real runs with the tiny model, real PNGs from ScottPlot.</summary>
public sealed class FigureVerbTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("zuna-figures-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<string> RunAsync(params string[] args)
    {
        var stderr = new StringWriter();
        int code = await CliApp.RunAsync(args, new StringWriter(), stderr);
        Assert.True(code == 0, stderr.ToString());
        return stderr.ToString();
    }

    [Fact]
    public async Task Reconstruct_writes_waveform_error_and_timing_charts()
    {
        string figures = Path.Combine(_dir, "figures");
        string log = await RunAsync("reconstruct", ZunaServer.SamplePath, "--model-dir", ZunaServer.TinyModel, "--device", "cpu",
            "--steps", "2", "--bad-channels", "F3", "--target-channels", "Cz", "--out", Path.Combine(_dir, "r.safetensors"), "--figures", figures);

        foreach (string name in new[] { "waveforms.png", "channel_error.png", "timing.png" })
        {
            string path = Path.Combine(figures, name);
            Assert.Contains($"zuna: wrote {path}", log);
            var (width, height) = DocsImages.PngSize(path);
            Assert.True(width >= 900 && height >= 500, $"{name} is {width}×{height}");
            Assert.True(new FileInfo(path).Length > 10_000, $"{name} is nearly empty ({new FileInfo(path).Length} bytes)");
        }
        // 13 channels (12 + Cz) stacked fit the default height; more channels get 28 px each.
        Assert.Equal((1200, 700), DocsImages.PngSize(Path.Combine(figures, "waveforms.png")));
        DocsImages.Publish(Path.Combine(figures, "waveforms.png"), "figure-waveforms.png");
    }

    [Fact]
    public void Masked_cells_are_the_zero_tokens_of_bad_and_added_channels()
    {
        var options = new InputOptions(PreprocessOptions.Default with { BadChannels = ["F3"] }, TargetChannels.Parse("Cz", false));
        var input = RecordingLoader.Default.Load(RecordingSource.FromFile(ZunaServer.SamplePath), options);
        var masked = ReconstructionFigures.MaskedCells(input.Epochs, input.EpochCount, input.ChannelCount, input.EpochSamples);

        int cellsPerEpochChannel = input.EpochSamples / 32;
        Assert.Equal(2 * input.EpochCount * cellsPerEpochChannel, masked.Count(m => m)); // F3 and Cz, every cell
        int f3 = Array.IndexOf(input.ChannelNames, "F3");
        Assert.True(masked[f3 * cellsPerEpochChannel]);
        Assert.False(masked[0]);

        // The error over observed cells: zero for a perfect copy, NaN for the channels with nothing observed.
        var error = ReconstructionFigures.ObservedError(input.Epochs, input.Epochs, masked, input.ChannelCount, input.EpochSamples);
        Assert.Equal(2, error.Count(double.IsNaN));
        Assert.All(error.Where(e => !double.IsNaN(e)), e => Assert.Equal(0, e));
    }

    [Fact]
    public async Task Embed_writes_latent_distribution_dimension_and_timing_charts()
    {
        string figures = Path.Combine(_dir, "figures");
        string log = await RunAsync("embed", ZunaServer.SamplePath, "--model-dir", ZunaServer.TinyModel, "--device", "cpu",
            "--out", Path.Combine(_dir, "e.safetensors"), "--figures", figures);
        foreach (string name in new[] { "latent_distribution.png", "latent_dimensions.png", "timing.png" })
        {
            string path = Path.Combine(figures, name);
            Assert.Contains($"zuna: wrote {path}", log);
            Assert.True(new FileInfo(path).Length > 10_000, $"{name} is nearly empty");
        }
        Assert.Equal((900, 500), DocsImages.PngSize(Path.Combine(figures, "timing.png")));
    }
}
