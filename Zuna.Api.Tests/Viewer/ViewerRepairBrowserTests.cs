using System.Globalization;
using Zuna.Engine.Fif;

namespace Zuna.Api.Tests.Viewer;

/// <summary>
/// The viewer's Repair button in a real Chromium against the service on the ZUNA1.1 fixture model: a bad channel and a
/// dragged segment become a 2-step repair job whose overlay draws every trace, shades the infilled cells over what was
/// marked, draws the added electrode, and shows annotation texts (one holding markup) as text.
/// </summary>
[Collection(nameof(ViewerBrowserTests))]
public sealed class ViewerRepairBrowserTests : IDisposable
{
    private const string Markup = "<b onmouseover=alert(1)>blink</b>";
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"zuna-viewer-repair-{Guid.NewGuid():N}_raw.fif");

    public void Dispose() => File.Delete(_path);

    /// <summary>fifA of the fixtures without its file bads and BAD_* spans (the test marks its own), plus an annotation whose text is markup.</summary>
    private RawRecording Recording()
    {
        var source = FifReader.Read(SharedData.Path("fixtures/zuna11/pipeline/fifA_raw.fif"));
        var recording = new RawRecording
        {
            Channels = source.Channels, SampleRate = source.SampleRate, SampleCount = source.SampleCount, Data = source.Data,
            FirstSample = source.FirstSample, MeasurementDate = source.MeasurementDate, DigPoints = source.DigPoints,
            HighPass = source.HighPass, LowPass = source.LowPass, Source = "viewer repair test",
            // Without its BAD_* spans: the page shows the recording through /v1/preprocess, whose 1.0 chain drops epochs under them.
            Annotations = [.. source.Annotations.Where(a => !a.Description.StartsWith("BAD", StringComparison.OrdinalIgnoreCase)), new FifAnnotation(4.0, 0.5, Markup)],
        };
        FifWriter.Write(_path, recording);
        return recording;
    }

    private static List<(double Start, double End)> Spans(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Split('-'))
            .Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))];

    [Fact]
    public async Task A_repair_job_from_the_marks_overlays_every_trace_and_shades_what_was_marked()
    {
        var recording = Recording();
        int channels = recording.Channels.Count;
        await using var browser = await BrowserSession.StartAsync(new() { ["Zuna:Model:Path"] = SharedData.Path("fixtures/zuna11") });
        var page = browser.Page;
        await browser.LoadAsync(_path);
        await page.WaitForSelectorAsync("#run-repair:not([hidden])");

        // The recording's annotations, the markup one as plain text.
        var descriptions = await page.EvalOnSelectorAllAsync<string[]>("#annotations li", "items => items.map(i => i.dataset.description)");
        Assert.Contains(Markup, descriptions);
        Assert.Contains(await page.EvalOnSelectorAllAsync<string[]>("#annotations li", "items => items.map(i => i.textContent)"), t => t.Contains(Markup, StringComparison.Ordinal));
        Assert.Equal(0, await page.Locator("#annotations b").CountAsync());

        // Fp2 bad, and 20–40 % of the plot (all channels) dragged as a segment; one electrode to add.
        string bad = recording.Channels[1].Name;
        await page.ClickAsync("#channels li:nth-child(2) .channel-name");
        var (fromCell, toCell) = await browser.DragSegmentAsync(0.2f, 0.4f);
        double segmentStart = fromCell / 8.0, segmentEnd = toCell / 8.0;
        await page.FillAsync("#targets", "Cz");
        await page.FillAsync("#steps", "2");
        await page.FillAsync("#seed", "7");
        await page.ClickAsync("#run-repair");
        await page.WaitForSelectorAsync("#repair-view:not([hidden])");

        // The job the page sent, as its curl command shows it.
        string curl = (await page.TextContentAsync("#curl"))!;
        Assert.Contains("-F 'operation=repairs'", curl);
        Assert.Contains($"-F 'repair_channels={bad}'", curl);
        Assert.Contains("-F 'bad_segments=", curl);

        // Original under hybrid for each recorded channel, the hybrid alone for the added Cz.
        Assert.Equal((channels + 1).ToString(CultureInfo.InvariantCulture), await browser.CanvasDataAsync("traces", "rows"));
        Assert.Equal((2 * channels + 1).ToString(CultureInfo.InvariantCulture), await browser.CanvasDataAsync("traces", "drawnTraces"));
        Assert.Equal("true", await page.EvalOnSelectorAsync<string>("#channels li[data-channel='Cz']", "li => String(li.classList.contains('added'))"));
        Assert.True(int.Parse(await browser.CanvasDataAsync("traces", "drawnInfilledRanges"), CultureInfo.InvariantCulture) > channels);

        // The result's mask covers the bad channel throughout and the segment on every channel.
        var infilled = (await page.EvalOnSelectorAllAsync<string[][]>("#channels li", "items => items.map(i => [i.dataset.channel, i.dataset.infilled ?? ''])"))
            .ToDictionary(p => p[0], p => Spans(p[1]));
        double duration = Math.Floor(recording.SampleCount / 32.0) * 32 / 256;
        Assert.Equal([(0.0, duration)], infilled[bad]);
        Assert.Equal([(0.0, duration)], infilled["Cz"]);
        foreach (var (name, spans) in infilled)
            Assert.True(spans.Any(s => s.Start <= segmentStart && s.End >= segmentEnd), $"{name}: {segmentStart}-{segmentEnd} not within {string.Join(", ", spans)}");

        // ZUNA1.1_infilled spans join the recording's annotations, on the axis and in the list.
        Assert.Contains("ZUNA1.1_infilled", await page.EvalOnSelectorAllAsync<string[]>("#annotations li", "items => items.map(i => i.dataset.description)"));
        Assert.True(int.Parse(await browser.CanvasDataAsync("traces", "drawnAnnotations"), CultureInfo.InvariantCulture) > 0);
        // An error for every channel with cells left as recorded: not the bad one (repaired throughout), not the added Cz.
        Assert.Equal(channels - 1, await page.Locator("#channels .error-value").CountAsync());
        Assert.True(await page.Locator("#download").IsVisibleAsync());
        Assert.True(await page.Locator("#download-fif").IsVisibleAsync());
        await browser.ScreenshotAsync("viewer-repair.png", forReadme: true);

        await page.SelectOptionAsync("#repair-signal", "full");
        Assert.Equal((2 * channels + 1).ToString(CultureInfo.InvariantCulture), await browser.CanvasDataAsync("traces", "drawnTraces"));
        Assert.Empty(browser.PageErrors);
        Assert.Empty(browser.Dialogs);
    }
}
