using ScottPlot;

namespace Zuna.Api.Cli.Figures;

/// <summary>
/// One epoch of a reconstruction: the model's input and the reconstruction of every channel stacked, with masked cells
/// (32-sample tokens that were zero in the input: bad channels, added electrodes, zeroed spans) shaded; and the
/// per-channel error over the cells the model could see.
/// </summary>
public static class ReconstructionFigures
{
    private const int CellSamples = 32;
    private const double Spacing = 6, Clip = 3.5; // z-units between rows; traces clipped so a wild channel cannot cover the others

    /// <param name="input">The model input [E, C, T] (z-units, masked cells zero).</param>
    /// <param name="reconstruction">The reconstruction, same shape.</param>
    /// <param name="badChannels">The channels named bad; any other channel that is zero throughout is drawn as an added electrode.</param>
    public static IReadOnlyList<string> Write(string folder, string[] names, float[] input, float[] reconstruction,
        int epochs, int samples, double sampleRate, IReadOnlyCollection<string> badChannels)
    {
        int channels = names.Length;
        var masked = MaskedCells(input, epochs, channels, samples);
        int cellsPerChannelEpoch = samples / CellSamples;
        var added = Enumerable.Range(0, channels).Select(c => !badChannels.Contains(names[c], StringComparer.OrdinalIgnoreCase) &&
            Enumerable.Range(0, epochs).All(e => masked.AsSpan((e * channels + c) * cellsPerChannelEpoch, cellsPerChannelEpoch).IndexOf(false) < 0)).ToArray();
        int epoch = Enumerable.Range(0, epochs).FirstOrDefault(e => Enumerable.Range(0, channels * samples / CellSamples)
            .Any(i => masked[e * channels * samples / CellSamples + i])); // the first epoch with something masked, else 0
        return
        [
            Waveforms(folder, names, input, reconstruction, masked, epoch, channels, samples, sampleRate, added),
            Errors(folder, names, input, reconstruction, masked, samples),
        ];
    }

    /// <summary>Cell (epoch, channel, token) is masked when all its input samples are exactly zero.</summary>
    public static bool[] MaskedCells(float[] input, int epochs, int channels, int samples)
    {
        var masked = new bool[epochs * channels * samples / CellSamples];
        for (int cell = 0; cell < masked.Length; cell++)
            masked[cell] = input.AsSpan(cell * CellSamples, CellSamples).IndexOfAnyExcept(0f) < 0;
        return masked;
    }

    private static string Waveforms(string folder, string[] names, float[] input, float[] reconstruction, bool[] masked,
        int epoch, int channels, int samples, double sampleRate, bool[] added)
    {
        var plot = FigureStyle.NewPlot($"Epoch {epoch}: input (grey), reconstruction (blue; added electrodes orange), masked cells shaded; z-units, clipped at ±{Clip}",
            "time in the epoch (s)", "channel");
        for (int c = 0; c < channels; c++)
        {
            double offset = -c * Spacing;
            int first = (epoch * channels + c) * samples;
            for (int cell = 0; cell < samples / CellSamples; cell++)
            {
                if (!masked[first / CellSamples + cell]) continue;
                var shade = plot.Add.Rectangle(cell * CellSamples / sampleRate, (cell + 1) * CellSamples / sampleRate, offset - Spacing / 2, offset + Spacing / 2);
                shade.FillStyle.Color = FigureStyle.Masked;
                shade.LineStyle.Width = 0;
            }
            bool isAdded = added[c];
            if (!isAdded) AddTrace(plot, input.AsSpan(first, samples), offset, sampleRate, FigureStyle.Original);
            AddTrace(plot, reconstruction.AsSpan(first, samples), offset, sampleRate, isAdded ? FigureStyle.Added : FigureStyle.Reconstruction);
        }
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, channels).Select(c => -c * Spacing).ToArray(), names);
        plot.Axes.SetLimitsX(0, samples / sampleRate);
        return FigureStyle.Save(plot, folder, "waveforms.png", FigureStyle.Width, Math.Max(FigureStyle.Height, 60 + channels * 28));
    }

    private static void AddTrace(Plot plot, ReadOnlySpan<float> values, double offset, double sampleRate, Color color)
    {
        var ys = new double[values.Length];
        for (int i = 0; i < ys.Length; i++) ys[i] = Math.Clamp(values[i], -Clip, Clip) + offset;
        var signal = plot.Add.Signal(ys, 1 / sampleRate);
        signal.Color = color;
        signal.LineWidth = 1;
    }

    /// <summary>Root-mean-square difference per channel over the cells the model saw (masked cells have no reference).</summary>
    public static double[] ObservedError(float[] input, float[] reconstruction, bool[] masked, int channels, int samples)
    {
        var sum = new double[channels];
        var count = new long[channels];
        int cellsPerRow = samples / CellSamples;
        for (int cell = 0; cell < masked.Length; cell++)
        {
            if (masked[cell]) continue;
            int channel = cell / cellsPerRow % channels;
            for (int i = cell * CellSamples; i < (cell + 1) * CellSamples; i++)
            {
                double d = input[i] - reconstruction[i];
                sum[channel] += d * d;
            }
            count[channel] += CellSamples;
        }
        return sum.Select((s, c) => count[c] > 0 ? Math.Sqrt(s / count[c]) : double.NaN).ToArray();
    }

    private static string Errors(string folder, string[] names, float[] input, float[] reconstruction, bool[] masked, int samples)
    {
        var error = ObservedError(input, reconstruction, masked, names.Length, samples);
        var plot = FigureStyle.NewPlot("Per-channel error over observed cells (RMS, z-units); fully masked channels have none",
            "channel", "RMS error (z)");
        var bars = plot.Add.Bars(error.Select(e => double.IsNaN(e) ? 0 : e).ToArray());
        bars.Color = FigureStyle.Reconstruction;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, names.Length).Select(i => (double)i).ToArray(), names);
        plot.Axes.Bottom.TickLabelStyle.Rotation = names.Length > 16 ? 90 : 0;
        plot.Axes.Margins(bottom: 0);
        return FigureStyle.Save(plot, folder, "channel_error.png");
    }
}
