using Microsoft.Playwright;

namespace Zuna.Api.Tests.Swagger;

/// <summary>Swagger UI in a real headless Chromium: open an operation, "Try it out", attach a file, Execute, read the status.</summary>
public sealed class SwaggerBrowser : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    public IPage Page { get; }

    private SwaggerBrowser(IPlaywright playwright, IBrowser browser, IPage page) => (_playwright, _browser, Page) = (playwright, browser, page);

    public static async Task<SwaggerBrowser> OpenAsync(Uri server)
    {
        var playwright = await Playwright.CreateAsync();
        // --no-sandbox: the tests may run as root (CI containers), where Chromium's sandbox refuses to start.
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumFactAttribute.ExecutablePath, Headless = true, Args = ["--no-sandbox"] });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 1000 } });
        await page.GotoAsync(new Uri(server, "/swagger/index.html").ToString());
        await page.Locator(".opblock").First.WaitForAsync(new() { Timeout = 60_000 });
        return new SwaggerBrowser(playwright, browser, page);
    }

    /// <summary>The operation block of <paramref name="method"/> <paramref name="path"/> (the first, when it is listed under two tags).</summary>
    public ILocator Operation(string method, string path) =>
        Page.Locator($".opblock-{method}:has(.opblock-summary-path[data-path='{path}'])").First;

    /// <summary>Expands the operation and presses "Try it out" (no field edited).</summary>
    public async Task<ILocator> TryItOutAsync(string method, string path)
    {
        var operation = Operation(method, path);
        await operation.Locator(".opblock-summary").ClickAsync();
        await operation.Locator("button.try-out__btn").ClickAsync();
        return operation;
    }

    /// <summary>Presses Execute and returns the status code Swagger UI shows for the live response.</summary>
    public static async Task<string> ExecuteAsync(ILocator operation)
    {
        await operation.Locator("button.execute").ClickAsync();
        var status = operation.Locator(".live-responses-table .response .response-col_status").First;
        await status.WaitForAsync(new() { Timeout = 180_000 });
        return (await status.InnerTextAsync()).Trim();
    }

    /// <summary>The text Swagger UI shows as the live response body.</summary>
    public static Task<string> ResponseBodyAsync(ILocator operation) =>
        operation.Locator(".live-responses-table .response-col_description").First.InnerTextAsync();

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
