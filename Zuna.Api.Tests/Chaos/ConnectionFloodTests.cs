using System.Net;
using Zuna.Api.Tests.Api;

namespace Zuna.Api.Tests.Chaos;

/// <summary>1,000 simultaneous connections to the liveness probe: each is answered or refused cleanly, and the service stays healthy.</summary>
public sealed class ConnectionFloodTests
{
    [Fact]
    public async Task A_thousand_concurrent_connections_to_health_live_are_answered_and_the_service_stays_healthy()
    {
        await using var server = new ZunaServer(kestrel: true);
        var client = await server.ReadyClientAsync();
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1000, PooledConnectionLifetime = TimeSpan.Zero };
        using var flood = new HttpClient(handler) { BaseAddress = client.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

        using var start = new SemaphoreSlim(0);
        var requests = Enumerable.Range(0, 1000).Select(async _ =>
        {
            await start.WaitAsync();
            try { return (await flood.GetAsync("/health/live")).StatusCode.ToString(); }
            catch (HttpRequestException e) { return $"refused: {e.HttpRequestError}"; } // a clean refusal, not a hang
        }).ToArray();
        start.Release(1000);
        string[] outcomes = await Task.WhenAll(requests);

        var counts = outcomes.GroupBy(o => o).ToDictionary(g => g.Key, g => g.Count());
        string summary = string.Join(", ", counts.Select(c => $"{c.Key}: {c.Value}"));
        Assert.True(counts.Keys.All(k => k == nameof(HttpStatusCode.OK) || k.StartsWith("refused", StringComparison.Ordinal)), summary);
        Assert.True(counts.GetValueOrDefault(nameof(HttpStatusCode.OK)) >= 900, summary); // loopback: nearly all are served
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/preprocess", ZunaServer.SampleUpload())).StatusCode);
    }
}
