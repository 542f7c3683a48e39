using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Zuna.Api.Cli;

namespace Zuna.Api.Tests.Deploy;

/// <summary>A real Kestrel on 127.0.0.1 (random port) with a healthy, an unhealthy and a stalled path.</summary>
public sealed class ProbeTargetServer : IAsyncLifetime
{
    private WebApplication? _app;
    public string BaseUrl { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapGet("/ready", () => Results.Ok("ready"));
        _app.MapGet("/created", () => Results.StatusCode(StatusCodes.Status201Created));
        _app.MapGet("/loading", () => Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
        _app.MapGet("/stalled", async (CancellationToken aborted) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), aborted);
            return Results.Ok();
        });
        await _app.StartAsync();
        BaseUrl = _app.Urls.Single().TrimEnd('/');
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
    }
}

public sealed class ProbeVerbTests(ProbeTargetServer server) : IClassFixture<ProbeTargetServer>
{
    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = await CliApp.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("/ready")]
    [InlineData("/created")]
    public async Task Success_status_exits_zero_and_prints_nothing(string path)
    {
        var (exit, stdout, stderr) = await Run("probe", "--url", server.BaseUrl + path);
        Assert.Equal(0, exit);
        Assert.Equal("", stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task Service_unavailable_exits_one_with_one_line_naming_the_status()
    {
        var (exit, _, stderr) = await Run("probe", "--url", server.BaseUrl + "/loading");
        Assert.Equal(1, exit);
        string line = Assert.Single(stderr.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'));
        Assert.StartsWith("zuna: probe ", line);
        Assert.Contains("503", line);
    }

    [Fact]
    public async Task Unknown_path_exits_one()
    {
        var (exit, _, stderr) = await Run("probe", "--url", server.BaseUrl + "/no-such-path");
        Assert.Equal(1, exit);
        Assert.Contains("404", stderr);
    }

    [Fact]
    public async Task Closed_port_exits_one_with_one_line()
    {
        // Bind a free port, then release it: nothing listens there afterwards.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var (exit, stdout, stderr) = await Run("probe", "--url", $"http://127.0.0.1:{port}/health/ready", "--timeout-seconds", "5");
        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        string line = Assert.Single(stderr.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'));
        Assert.StartsWith($"zuna: probe http://127.0.0.1:{port}/health/ready: ", line);
    }

    [Fact]
    public async Task Server_that_never_answers_exits_one_after_the_timeout()
    {
        var (exit, _, stderr) = await Run("probe", "--url", server.BaseUrl + "/stalled", "--timeout-seconds", "1");
        Assert.Equal(1, exit);
        Assert.Contains("no answer within 1 s", stderr);
    }

    [Theory]
    [InlineData("--url", "ftp://127.0.0.1/health")]
    [InlineData("--url", "not a url")]
    [InlineData("--timeout-seconds", "0")]
    public async Task Invalid_options_fail_without_a_request(string option, string value)
    {
        var (exit, _, stderr) = await Run("probe", option, value);
        Assert.NotEqual(0, exit);
        Assert.Contains(option, stderr);
    }
}
