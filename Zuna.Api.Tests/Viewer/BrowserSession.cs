using Microsoft.Playwright;
using Zuna.Api.Tests.Api;

namespace Zuna.Api.Tests.Viewer;

/// <summary>
/// The real service on Kestrel (tiny model) and Debian's Chromium driven by Playwright with an explicit executable
/// (Playwright never downloads a browser here). Records every dialog and page error, and saves screenshots under the
/// test output's TestResults/screenshots; with ZUNA_UPDATE_DOCS=1 also into docs/images for the README.
/// </summary>
internal sealed class BrowserSession : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly ZunaServer _server;
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private BrowserSession(ZunaServer server, IPlaywright playwright, IBrowser browser, IPage page, Uri address)
    {
        _server = server; _playwright = playwright; _browser = browser; Page = page; Address = address;
        page.Dialog += (_, dialog) => { Dialogs.Add(dialog.Message); _ = dialog.DismissAsync(); };
        page.PageError += (_, error) => PageErrors.Add(error);
    }

    public IPage Page { get; }
    public Uri Address { get; }
    public List<string> Dialogs { get; } = [];
    public List<string> PageErrors { get; } = [];

    public static string ScreenshotFolder => Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    /// <param name="settings">Service settings over the defaults (e.g. another model).</param>
    public static async Task<BrowserSession> StartAsync(Dictionary<string, string?>? settings = null)
    {
        string chromium = Environment.GetEnvironmentVariable("ZUNA_CHROMIUM") ?? ChromiumPath;
        Assert.True(File.Exists(chromium), $"Chromium not found at {chromium}: install Debian's chromium package (.ci/run does) or set ZUNA_CHROMIUM.");
        var server = new ZunaServer(settings, kestrel: true);
        var client = await server.ReadyClientAsync();
        var playwright = await Playwright.CreateAsync();
        // --no-sandbox: the tests run as root in CI, where Chromium's sandbox refuses to start.
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = ["--no-sandbox"] });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 1050 } });
        page.SetDefaultTimeout(120_000);
        var session = new BrowserSession(server, playwright, browser, page, client.BaseAddress!);
        await page.GotoAsync(new Uri(session.Address, "/").ToString());
        // Selectors, not WaitForFunction: the page's CSP forbids eval, which Playwright's function polling needs.
        await page.WaitForSelectorAsync("body[data-ready='true']", new() { State = WaitForSelectorState.Attached });
        return session;
    }

    /// <summary>Uploads a recording through the page's file input and waits for its channel list.</summary>
    public async Task LoadAsync(string path)
    {
        await Page.SetInputFilesAsync("#file", path);
        await Page.WaitForSelectorAsync("#channels li");
    }

    /// <summary>Drags over the traces from <paramref name="from"/> to <paramref name="to"/> of the plot's width (all
    /// channels) and returns the [from, to) cells of 0.125 s the page recorded for the new segment.</summary>
    public async Task<(int From, int To)> DragSegmentAsync(float from, float to)
    {
        var box = (await Page.Locator("#traces").BoundingBoxAsync())!;
        float plotLeft = box.X + 110, plotWidth = box.Width - 110, y = box.Y + box.Height / 3;
        await Page.Mouse.MoveAsync(plotLeft + from * plotWidth, y);
        await Page.Mouse.DownAsync();
        await Page.Mouse.MoveAsync(plotLeft + to * plotWidth, y, new() { Steps = 5 });
        await Page.Mouse.UpAsync();
        string cells = await Page.EvalOnSelectorAsync<string>("#segments li:last-child", "li => li.dataset.cells");
        var (first, end) = (int.Parse(cells.Split('-')[0], System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(cells.Split('-')[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(end > first, $"the drag marked cells {cells}");
        return (first, end);
    }

    public Task<string> CanvasDataAsync(string id, string key) =>
        Page.EvalOnSelectorAsync<string>($"#{id}", $"c => c.dataset.{key} ?? ''");

    /// <param name="forReadme">Also copied into docs/images when ZUNA_UPDATE_DOCS=1.</param>
    public async Task<string> ScreenshotAsync(string name, bool forReadme = false)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        string path = Path.Combine(ScreenshotFolder, name);
        await Page.ScreenshotAsync(new() { Path = path, FullPage = true });
        if (forReadme) DocsImages.Publish(path);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _server.DisposeAsync();
    }
}
