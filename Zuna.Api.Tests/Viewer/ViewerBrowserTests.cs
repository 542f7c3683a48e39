using Zuna.Api.Tests.Api;
using Zuna.Engine.Fif;
using Zuna.Engine.Input;

namespace Zuna.Api.Tests.Viewer;

/// <summary>The page at / in a real Chromium against the real service: upload, marks, a job, the overlay, hostile names.</summary>
[Collection(nameof(ViewerBrowserTests))]
public sealed class ViewerBrowserTests
{
    [Fact]
    public async Task A_marked_reconstruction_draws_every_trace_and_shades_the_masked_cells()
    {
        var input = RecordingLoader.Default.Load(RecordingSource.FromFile(ZunaServer.SamplePath), InputOptions.Default);
        int channels = input.ChannelCount, cellsPerChannel = input.EpochCount * input.EpochSamples / 32;
        await using var browser = await BrowserSession.StartAsync();
        var page = browser.Page;
        await browser.LoadAsync(ZunaServer.SamplePath);
        Assert.Equal(input.ChannelNames, await page.EvalOnSelectorAllAsync<string[]>("#channels li", "items => items.map(i => i.dataset.channel)"));
        Assert.Equal(channels.ToString(), await browser.CanvasDataAsync("head", "electrodes"));
        await browser.ScreenshotAsync("viewer-recording.png");

        // Mark the third channel bad, then drag over 20–40 % of the plot for all channels.
        string bad = input.ChannelNames[2];
        await page.ClickAsync($"#channels li:nth-child(3) .channel-name");
        var (from, to) = await browser.DragSegmentAsync(0.2f, 0.4f);
        int expectedMasked = cellsPerChannel + (channels - 1) * (to - from);
        Assert.Equal(expectedMasked.ToString(), await page.EvalOnSelectorAsync<string>("#mask-summary", "e => e.dataset.maskedCells"));
        Assert.Contains($"-F 'bad_channels={bad}'", await page.TextContentAsync("#curl"));

        await page.FillAsync("#steps", "2");
        await page.FillAsync("#seed", "7");
        await page.ClickAsync("#run-reconstruct");
        await page.WaitForSelectorAsync("#results:not([hidden])");

        // Every channel twice (original under reconstruction); the bad channel's row and the segment shaded.
        Assert.Equal((2 * channels).ToString(), await browser.CanvasDataAsync("traces", "drawnTraces"));
        Assert.Equal(channels.ToString(), await browser.CanvasDataAsync("traces", "drawnMaskRanges"));
        Assert.Equal(expectedMasked.ToString(), await page.EvalOnSelectorAsync<string>("#mask-summary", "e => e.dataset.maskedCells"));
        Assert.Equal("7", await page.EvalOnSelectorAsync<string>("#results", "e => e.dataset.seed"));
        Assert.Equal(channels, await page.Locator("#channels .error-value").CountAsync());
        Assert.True(await CountPixelsAsync(page, "traces", 26, 102, 217) > 100, "the reconstruction (blue) is on the canvas");
        await browser.ScreenshotAsync("viewer-reconstruction.png", forReadme: true);
        Assert.Empty(browser.PageErrors);
        Assert.Empty(browser.Dialogs);
    }

    [Fact]
    public async Task Embeddings_show_a_latent_heatmap_and_projection()
    {
        await using var browser = await BrowserSession.StartAsync();
        var page = browser.Page;
        await browser.LoadAsync(ZunaServer.SamplePath);
        await page.ClickAsync("#run-embed");
        await page.WaitForSelectorAsync("#latents:not([hidden])");
        var input = RecordingLoader.Default.Load(RecordingSource.FromFile(ZunaServer.SamplePath), InputOptions.Default);
        var size = await page.EvalOnSelectorAsync<int[]>("#heatmap", "c => [c.width, c.height]");
        Assert.Equal([32, input.ChannelCount * input.EpochSamples / 32], size);
        Assert.True(await CountPixelsAsync(page, "projection", -1, -1, -1) > 100, "the projection drew its points");
        await browser.ScreenshotAsync("viewer-latents.png", forReadme: true);
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task A_channel_name_holding_markup_is_shown_as_text_and_runs_nothing()
    {
        const string hostile = "<img src=x onerror=alert(1)>";
        var original = FifReader.Read(ZunaServer.SamplePath);
        var renamed = original.Channels.Select((c, i) => i == 1 ? c with { Name = hostile } : c).ToList();
        string path = Path.Combine(Path.GetTempPath(), $"zuna-hostile-{Guid.NewGuid():N}_raw.fif");
        FifWriter.Write(path, new RawRecording
        {
            Channels = renamed, SampleRate = original.SampleRate, SampleCount = original.SampleCount, Data = original.Data,
            DigPoints = original.DigPoints, Source = "hostile",
        });
        try
        {
            await using var browser = await BrowserSession.StartAsync();
            var page = browser.Page;
            await browser.LoadAsync(path);
            var names = await page.EvalOnSelectorAllAsync<string[]>("#channels .channel-name", "items => items.map(i => i.textContent)");
            Assert.Contains(hostile, names);
            Assert.Equal(0, await page.Locator("img").CountAsync());
            await page.ClickAsync("#channels li:nth-child(2) .channel-name"); // marking it bad puts it in the curl command, quoted
            Assert.Contains($"-F 'bad_channels={hostile}'", await page.TextContentAsync("#curl"));
            await browser.ScreenshotAsync("viewer-hostile-name.png");
            Assert.Empty(browser.Dialogs);
            Assert.Empty(browser.PageErrors);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Pixels of one colour (±40 per channel) on a canvas; r = -1 counts every non-transparent pixel.</summary>
    private static Task<int> CountPixelsAsync(Microsoft.Playwright.IPage page, string canvas, int r, int g, int b) =>
        page.EvalOnSelectorAsync<int>($"#{canvas}", $$"""
            c => {
              const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              let n = 0;
              for (let i = 0; i < d.length; i += 4) {
                if ({{r}} < 0 ? d[i + 3] > 0 : Math.abs(d[i] - {{r}}) < 40 && Math.abs(d[i + 1] - {{g}}) < 40 && Math.abs(d[i + 2] - {{b}}) < 40 && d[i + 3] > 200) n++;
              }
              return n;
            }
            """);
}
