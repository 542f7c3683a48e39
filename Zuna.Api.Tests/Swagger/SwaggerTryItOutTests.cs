using Microsoft.Playwright;
using Zuna.Api.Tests.Api;

namespace Zuna.Api.Tests.Swagger;

/// <summary>
/// Swagger UI as shipped, in a real browser on real Kestrel with the tiny model: every upload endpoint runs from
/// "Try it out" → Execute with only the tutorial recording attached, and API keys bring an Authorize button that works.
/// </summary>
public sealed class SwaggerTryItOutTests
{
    public static readonly TheoryData<string, string> Uploads = new()
    {
        { "/v1/embeddings", "200" },
        { "/v1/reconstructions", "200" },
        { "/v1/preprocess", "200" },
        { "/v1/jobs", "202" },
    };

    private static string Screenshots => Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    [ChromiumFact]
    public async Task Every_upload_endpoint_executes_with_only_the_file_attached()
    {
        using var server = new ZunaServer(kestrel: true);
        using var client = await server.ReadyClientAsync();
        await using var browser = await SwaggerBrowser.OpenAsync(client.BaseAddress!);

        var statuses = new Dictionary<string, string>();
        foreach (var path in Uploads.Select(row => (string)row[0]))
        {
            var operation = await browser.TryItOutAsync("post", path);
            await operation.Locator("input[type=file]").First.SetInputFilesAsync(ZunaServer.SamplePath); // the `file` field; `parts` (companions) comes after it
            statuses[path] = await SwaggerBrowser.ExecuteAsync(operation);
            if (!statuses[path].StartsWith('2'))
                statuses[path] += ": " + await SwaggerBrowser.ResponseBodyAsync(operation);
        }
        await browser.Page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "swagger-try-it-out.png"), FullPage = true });

        foreach (var (path, expected) in Uploads.Select(row => ((string)row[0], (string)row[1])))
            Assert.True(statuses[path] == expected, $"{path}: {statuses[path]}");
    }

    [ChromiumFact]
    public async Task With_api_keys_the_authorize_button_sends_the_key()
    {
        using var server = new ZunaServer(new() { ["Zuna:Auth:ApiKeys:0"] = "swagger-key" }, kestrel: true);
        using var client = await server.ReadyClientAsync();
        await using var browser = await SwaggerBrowser.OpenAsync(client.BaseAddress!);

        var operation = await browser.TryItOutAsync("post", "/v1/embeddings");
        await operation.Locator("input[type=file]").First.SetInputFilesAsync(ZunaServer.SamplePath); // the `file` field; `parts` (companions) comes after it
        Assert.StartsWith("401", await SwaggerBrowser.ExecuteAsync(operation));

        await browser.Page.Locator("button.authorize").First.ClickAsync();
        var dialog = browser.Page.Locator(".modal-ux");
        await dialog.Locator("input").First.FillAsync("swagger-key");
        await dialog.Locator("button.authorize").ClickAsync();
        await dialog.Locator("button.btn-done").ClickAsync();
        await operation.Locator("button.execute").ClickAsync();
        var status = operation.Locator(".live-responses-table .response .response-col_status").First;
        await Assertions.Expect(status).ToHaveTextAsync("200", new() { Timeout = 120_000 });
    }
}
