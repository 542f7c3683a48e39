using ScottPlot;

namespace Zuna.Api.Cli.Figures;

/// <summary>Latents [E, S, D]: the distribution of all values against N(0, 1), and each dimension's mean ± std.</summary>
public static class LatentFigures
{
    public static IReadOnlyList<string> Write(string folder, float[] latents, int width) =>
        [Distribution(folder, latents), PerDimension(folder, latents, width)];

    private static string Distribution(string folder, float[] latents)
    {
        const int bins = 80;
        const double low = -5, high = 5, binWidth = (high - low) / bins;
        var density = new double[bins];
        foreach (float v in latents)
        {
            int bin = (int)Math.Floor((v - low) / binWidth);
            if (bin >= 0 && bin < bins) density[bin]++;
        }
        for (int i = 0; i < bins; i++) density[i] /= latents.Length * binWidth;

        var plot = FigureStyle.NewPlot($"Latent values ({latents.Length:N0}) against N(0, 1)", "value", "density");
        var bars = plot.Add.Bars(Enumerable.Range(0, bins).Select(i => low + (i + 0.5) * binWidth).ToArray(), density);
        bars.Color = FigureStyle.Reconstruction.WithAlpha(0.6);
        foreach (var bar in bars.Bars) bar.Size = binWidth;
        var xs = Enumerable.Range(0, 401).Select(i => low + i * (high - low) / 400).ToArray();
        var normal = plot.Add.ScatterLine(xs, xs.Select(x => Math.Exp(-x * x / 2) / Math.Sqrt(2 * Math.PI)).ToArray());
        normal.Color = FigureStyle.Added;
        normal.LineWidth = 2;
        normal.LegendText = "N(0, 1)";
        bars.LegendText = "latents";
        plot.ShowLegend();
        plot.Axes.Margins(bottom: 0);
        return FigureStyle.Save(plot, folder, "latent_distribution.png");
    }

    private static string PerDimension(string folder, float[] latents, int width)
    {
        var mean = new double[width];
        var square = new double[width];
        long rows = latents.Length / width;
        for (long r = 0; r < rows; r++)
        {
            for (int d = 0; d < width; d++)
            {
                double v = latents[r * width + d];
                mean[d] += v;
                square[d] += v * v;
            }
        }
        for (int d = 0; d < width; d++) mean[d] /= rows;
        var std = Enumerable.Range(0, width).Select(d => Math.Sqrt(Math.Max(0, square[d] / rows - mean[d] * mean[d]))).ToArray();

        var plot = FigureStyle.NewPlot("Latent dimensions: mean ± std over every token", "dimension", "value");
        var xs = Enumerable.Range(0, width).Select(d => (double)d).ToArray();
        var errors = plot.Add.ErrorBar(xs, mean, std);
        errors.Color = FigureStyle.Reconstruction;
        var points = plot.Add.ScatterPoints(xs, mean);
        points.Color = FigureStyle.Reconstruction;
        var zero = plot.Add.HorizontalLine(0);
        zero.Color = Colors.Gray;
        return FigureStyle.Save(plot, folder, "latent_dimensions.png");
    }
}
