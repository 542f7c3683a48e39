using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Zuna.Api.Tests.Api;

namespace Zuna.Api.Tests.Chaos;

/// <summary>SIGTERM with requests in flight: the process stops taking new work but finishes every request it accepted.</summary>
public sealed partial class SigtermDrainTests
{
    [Fact]
    public async Task Sigterm_drains_the_requests_in_flight_before_the_process_exits()
    {
        int port = FreePort();
        var start = new ProcessStartInfo("dotnet", [ZunaProcess.Dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.Environment["Zuna__Model__Path"] = ZunaServer.TinyModel;
        // A throwaway job store: the default SQLite directory would be shared with other child processes (one owner only).
        start.Environment["Zuna__Jobs__Store"] = "memory";
        start.Environment["Zuna__Model__Device"] = "cpu";
        start.Environment["Zuna__Limits__ShutdownTimeoutSeconds"] = "120";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(3) };
            await WaitReadyAsync(client);

            // Four reconstructions, long enough (200 steps) to be still running when the signal comes.
            const int inFlight = 4;
            var requests = Enumerable.Range(0, inFlight)
                .Select(_ => client.PostAsync("/v1/reconstructions", ZunaServer.SampleUpload(("steps", "200"))))
                .ToArray();
            await WaitInFlightAsync(client, inFlight);

            Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            var responses = await Task.WhenAll(requests);

            Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            foreach (var r in responses) Assert.True((await r.Content.ReadAsByteArrayAsync()).Length > 0);
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "the process did not exit after draining");
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}:\n{await stdout}\n{await stderr}");
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    private static async Task WaitReadyAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            try { if ((await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK) return; }
            catch (HttpRequestException) { } // not listening yet
            await Task.Delay(200);
        }
        throw new TimeoutException("the child service did not become ready within 120 s");
    }

    /// <summary>Until the service's own in-flight gauge counts every request, so the signal comes after they were all accepted.</summary>
    private static async Task WaitInFlightAsync(HttpClient client, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            string metrics = await client.GetStringAsync("/metrics");
            var match = InFlightLine().Match(metrics);
            if (match.Success && double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= count) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"fewer than {count} requests in flight after 60 s");
    }

    [GeneratedRegex(@"^zuna_requests_inflight\w*(?:\{[^}]*\})? (\S+)", RegexOptions.Multiline)]
    private static partial Regex InFlightLine();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
