using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Zuna.Api.Tests.Api;

namespace Zuna.Api.Tests.Security;

/// <summary>The service's edges against hostile or careless clients, over a real Kestrel socket.</summary>
public sealed class SecurityEdgeTests
{
    [Fact]
    public async Task Every_answer_carries_nosniff_and_no_server_banner()
    {
        await using var server = new ZunaServer(kestrel: true);
        var client = server.Client();
        foreach (var path in new[] { "/health/live", "/no/such/route", "/openapi/v1.json" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.False(response.Headers.Contains("Server"), $"{path} sent a Server header: {response.Headers.Server}");
        }
    }

    [Fact]
    public async Task OpenApi_and_metrics_are_served_by_default_and_404_when_exposure_is_off()
    {
        await using (var open = new ZunaServer(kestrel: true))
        {
            var client = open.Client();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/openapi/v1.json")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/metrics")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/swagger/index.html")).StatusCode);
        }
        await using var closed = new ZunaServer(new()
        {
            ["Zuna:Exposure:OpenApi"] = "false",
            ["Zuna:Exposure:Metrics"] = "false",
        }, kestrel: true);
        var hidden = closed.Client();
        Assert.Equal(HttpStatusCode.NotFound, (await hidden.GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await hidden.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await hidden.GetAsync("/swagger/index.html")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await hidden.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task The_per_ip_limit_counts_every_key_and_bad_keys_while_the_probes_stay_open()
    {
        await using var server = new ZunaServer(new()
        {
            ["Zuna:Auth:ApiKeys:0"] = "first-secret",
            ["Zuna:Auth:ApiKeys:1"] = "second-secret",
            ["Zuna:Auth:PermitsPerMinute"] = "100",
            ["Zuna:Auth:PermitsPerMinutePerIp"] = "3",
        }, kestrel: true);
        var client = await server.ReadyClientAsync();

        Assert.Equal(HttpStatusCode.OK, (await Info(client, "first-secret")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Info(client, "second-secret")).StatusCode);
        var wrong = await Info(client, "guessed-secret");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.DoesNotContain("guessed-secret", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Three permits spent by this address with two keys and one guess: a fresh key does not buy more.
        var limited = await Info(client, "second-secret");
        await ErrorResponseTests.ProblemAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.True(limited.Headers.Contains("Retry-After"));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Info(client, "another-guess")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Multipart_parts_over_the_form_limits_are_refused_with_400()
    {
        await using var server = new ZunaServer(new()
        {
            ["Zuna:Connections:MaxFormFields"] = "4",
            ["Zuna:Connections:MaxFormValueBytes"] = "1024",
            ["Zuna:Connections:MaxMultipartHeadersBytes"] = "1024",
        }, kestrel: true);
        var client = await server.ReadyClientAsync();

        var manyFields = ZunaServer.SampleUpload(Enumerable.Range(0, 10).Select(i => ($"extra{i}", "1")).ToArray());
        await ErrorResponseTests.ProblemAsync(await client.PostAsync("/v1/preprocess", manyFields), HttpStatusCode.BadRequest);

        var longHeaders = ZunaServer.SampleUpload();
        var padded = new ByteArrayContent(Encoding.ASCII.GetBytes("1"));
        padded.Headers.Add("X-Padding", new string('p', 4096));
        longHeaders.Add(padded, "extra");
        await ErrorResponseTests.ProblemAsync(await client.PostAsync("/v1/preprocess", longHeaders), HttpStatusCode.BadRequest);

        // Within the limits the same upload is served.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/preprocess", ZunaServer.SampleUpload())).StatusCode);
    }

    private static Task<HttpResponseMessage> Info(HttpClient client, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/info");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client.SendAsync(request);
    }
}
