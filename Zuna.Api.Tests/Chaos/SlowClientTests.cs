using System.Net;
using System.Net.Sockets;
using System.Text;
using Zuna.Api.Tests.Api;

namespace Zuna.Api.Tests.Chaos;

/// <summary>A client trickling its upload one byte a second is cut off (Zuna:Connections:MinRequestBodyBytesPerSecond) while others are served.</summary>
public sealed class SlowClientTests
{
    [Fact]
    public async Task A_one_byte_per_second_upload_is_cut_off_while_a_normal_client_is_served()
    {
        await using var server = new ZunaServer(new() { ["Zuna:Connections:DataRateGraceSeconds"] = "2" }, kestrel: true);
        var client = await server.ReadyClientAsync();

        using var slow = new TcpClient();
        await slow.ConnectAsync(client.BaseAddress!.Host, client.BaseAddress.Port);
        var stream = slow.GetStream();
        const int declared = 100_000;
        string head = $"POST /v1/preprocess HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: {declared}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));

        // Trickle one byte a second until the server gives up on us (a safety bound only; the assertion is on what happened).
        int sent = 0;
        bool cutOff = false;
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var answer = ReadToEndAsync(stream, bound.Token);
        while (!bound.IsCancellationRequested && !answer.IsCompleted)
        {
            try { await stream.WriteAsync("-"u8.ToArray(), bound.Token); sent++; }
            catch (IOException) { cutOff = true; break; }
            await Task.WhenAny(answer, Task.Delay(1000, bound.Token).ContinueWith(_ => { }));
            if (sent == 3)
            {
                // Meanwhile a normal client is served in full.
                Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/preprocess", ZunaServer.SampleUpload())).StatusCode);
            }
        }
        string response = answer.IsCompleted ? await answer : "";
        Assert.True(cutOff || answer.IsCompleted, "the slow upload was still being accepted after 60 s");
        Assert.True(sent < declared / 100, $"the server accepted {sent} bytes at 1 byte/s");
        if (response.Length > 0) Assert.StartsWith("HTTP/1.1 408", response, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }

    private static async Task<string> ReadToEndAsync(NetworkStream stream, CancellationToken cancel)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, cancel)) > 0) text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        catch (IOException) { } // reset by the server: also a cut-off
        return text.ToString();
    }
}
