using Xunit.Abstractions;
using Zuna.Engine.Outputs;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Viewer;

/// <summary>
/// An hour of 64 channels in the page: it loads, zooms out to the whole hour and scrolls, drawing every channel.
/// The time each redraw took is written to the test output (a measurement, never asserted).
/// </summary>
[Collection(nameof(ViewerBrowserTests))]
public sealed class LongRecordingViewerTests(ITestOutputHelper output)
{
    private const int Channels = 64, Epochs = 720, Samples = 1280; // 720 × 5 s = 1 hour at 256 Hz

    [Fact]
    public async Task An_hour_of_64_channels_zooms_out_and_scrolls_drawing_every_channel()
    {
        string path = Path.Combine(Path.GetTempPath(), $"zuna-hour-{Guid.NewGuid():N}.safetensors");
        WriteHour(path);
        try
        {
            await using var browser = await BrowserSession.StartAsync();
            var page = browser.Page;
            await browser.LoadAsync(path);
            Assert.Equal(Channels, await page.Locator("#channels li").CountAsync());
            Assert.Contains("of 3600.0 s", await page.TextContentAsync("#window"));

            await page.ClickAsync("#zoom-all");
            Assert.Equal(Channels.ToString(), await browser.CanvasDataAsync("traces", "drawnTraces"));
            Assert.Contains("0.00–3600.00 s", await page.TextContentAsync("#window"));

            // Each wheel event redraws synchronously, so the time around dispatchEvent is one frame's work.
            var zoom = await page.EvalOnSelectorAsync<double[]>("#traces", Redraws, new object[] { false });
            for (int i = 0; i < 6; i++) await page.ClickAsync("#zoom-in"); // a 56-s window, then scroll through the hour
            var scroll = await page.EvalOnSelectorAsync<double[]>("#traces", Redraws, new object[] { true });
            Assert.DoesNotContain("0.00–", await page.TextContentAsync("#window"));
            Assert.Equal(Channels.ToString(), await browser.CanvasDataAsync("traces", "drawnTraces"));
            output.WriteLine($"64 ch × 1 h, redraw ms — zoom: median {Median(zoom):F1}, max {zoom.Max():F1}; scroll: median {Median(scroll):F1}, max {scroll.Max():F1}");
            await browser.ScreenshotAsync("viewer-hour.png");
            Assert.Empty(browser.PageErrors);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private const string Redraws = """
        (c, [shift]) => {
          const r = c.getBoundingClientRect(), times = [];
          for (let i = 0; i < 40; i++) {
            const t0 = performance.now();
            c.dispatchEvent(new WheelEvent('wheel', { deltaY: shift ? 400 : (i < 20 ? -300 : 300), shiftKey: shift,
              clientX: r.left + r.width * 0.6, clientY: r.top + 50, bubbles: true, cancelable: true }));
            times.push(performance.now() - t0);
          }
          return times;
        }
        """;

    private static double Median(double[] values) => values.Order().ElementAt(values.Length / 2);

    /// <summary>A preprocessed file (the service's own input format) of synthetic EEG: alpha-band sines plus noise.</summary>
    private static void WriteHour(string path)
    {
        var data = new float[(long)Epochs * Channels * Samples];
        var random = new Random(3);
        for (int e = 0; e < Epochs; e++)
            for (int c = 0; c < Channels; c++)
                for (int t = 0; t < Samples; t++)
                    data[((long)e * Channels + c) * Samples + t] = (float)(Math.Sin(2 * Math.PI * (9 + c % 4) * (e * Samples + t) / 256.0) + 0.3 * (random.NextDouble() - 0.5));
        var positions = new float[Channels * 3];
        for (int c = 0; c < Channels; c++)
        {
            double azimuth = 2 * Math.PI * c / 16, polar = Math.PI / 2 * (1 + c / 16) / 4.5;
            positions[c * 3] = (float)(0.09 * Math.Sin(polar) * Math.Cos(azimuth));
            positions[c * 3 + 1] = (float)(0.09 * Math.Sin(polar) * Math.Sin(azimuth));
            positions[c * 3 + 2] = (float)(0.09 * Math.Cos(polar));
        }
        var names = Enumerable.Range(1, Channels).Select(i => $"E{i}").ToArray();
        var input = new Preprocessed(data, Epochs, Channels, Samples, positions, names, 256, 0, 1e-5);
        SafeTensorsWriter.From(PreprocessedFile.Layout(input)).Write(path);
    }
}
