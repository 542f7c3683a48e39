using ScottPlot;

namespace Zuna.Api.Cli.Figures;

/// <summary>Size, colours and the font every chart shares, and the one way a chart is saved.</summary>
internal static class FigureStyle
{
    public const int Width = 1200, Height = 700;
    public static readonly Color Original = new(90, 90, 90);
    public static readonly Color Reconstruction = new(26, 102, 217);
    public static readonly Color Added = new(232, 89, 12);
    public static readonly Color Masked = new(250, 82, 82, 45);

    public static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot;
    }

    public static string Save(Plot plot, string folder, string name, int width = Width, int height = Height)
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, name);
        plot.SavePng(path, width, height);
        return path;
    }
}
