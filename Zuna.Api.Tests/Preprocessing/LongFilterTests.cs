using Zuna.Engine.Preprocessing;
using Zuna.Engine.Signal;

namespace Zuna.Api.Tests.Preprocessing;

/// <summary>
/// The high-pass on channels long enough for 16384-point blocks (its libtorch path, blocks built in libtorch memory)
/// against the definition: zero-phase convolution of the reflect-limited padded signal with the 1691 taps, evaluated
/// directly at samples near both edges, at block seams and in between. The reference FIF files are too short for it.
/// </summary>
public class LongFilterTests
{
    [Theory]
    [InlineData(921_600)] // one hour at 256 Hz
    [InlineData(200_001)]
    public void MatchesDirectConvolution(int n)
    {
        var rng = new Random(n);
        var x = new double[n];
        double drift = 0;
        for (int i = 0; i < n; i++) { drift += rng.NextDouble() - 0.5; x[i] = 1e-6 * (drift + Math.Sin(i * 0.3)); }
        var filter = Stages.CreateHighPass();
        double[] taps = FirDesign.HighPass(Stages.TargetRate, Stages.HighPassFrequency);
        int edge = taps.Length - 1, half = (taps.Length - 1) / 2;
        Assert.True(OverlapAddFilter.BlockLength(taps.Length, n + 2 * edge) >= RealFft.NativeThreshold);

        var padded = Padding.ReflectLimited(x, edge, edge);
        var y = (double[])x.Clone();
        filter.Apply(y);

        var probes = new List<int> { 0, 1, 845, 1690, n / 2, n - 1691, n - 2, n - 1 };
        for (int k = 1; k < 40; k++) probes.Add(k * (16384 - taps.Length + 1) % n); // block seams
        double scale = x.Max(Math.Abs), worst = 0;
        foreach (int i in probes)
        {
            double direct = 0;
            for (int j = 0; j < taps.Length; j++) direct += taps[j] * padded[i + edge + half - j];
            worst = Math.Max(worst, Math.Abs(direct - y[i]));
        }
        Assert.True(worst <= 1e-12 * scale, $"max diff {worst:E3} vs scale {scale:E3}");
    }
}
