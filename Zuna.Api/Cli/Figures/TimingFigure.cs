namespace Zuna.Api.Cli.Figures;

/// <summary>Seconds spent in each phase of the run, as bars.</summary>
public static class TimingFigure
{
    public static string Write(string folder, PhaseTimes times)
    {
        var phases = times.Phases;
        var plot = FigureStyle.NewPlot($"Time per phase ({phases.Sum(p => p.Time.TotalSeconds):F2} s in all)", "phase", "seconds");
        var bars = plot.Add.Bars(phases.Select(p => p.Time.TotalSeconds).ToArray());
        bars.Color = FigureStyle.Reconstruction;
        for (int i = 0; i < phases.Count; i++) bars.Bars[i].Label = $"{phases[i].Time.TotalSeconds:F2} s";
        bars.ValueLabelStyle.FontSize = 14;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, phases.Count).Select(i => (double)i).ToArray(), phases.Select(p => p.Phase).ToArray());
        plot.Axes.Margins(bottom: 0);
        return FigureStyle.Save(plot, folder, "timing.png", 900, 500);
    }
}
