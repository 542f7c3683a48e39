using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using Zuna.Api.Tests.Api;
using Zuna.Api.Tests.TestSupport;
using Zuna.Engine.Fif;
using Zuna.Engine.Input;

namespace Zuna.Api.Tests.Chaos;

/// <summary>
/// Clients that ask for a large result and never read a byte of it — real child processes (python3 with a 4 KiB receive
/// buffer: send the request, then sleep) — are disconnected by Kestrel's minimum response rate
/// (Zuna:Connections:MinResponseBytesPerSecond) while the service goes on serving everyone else, with bounded memory.
/// Run alone: preprocessing two 20-minute recordings loads the machine enough to slow other timing-bound chaos tests
/// (SIGTERM drain saw its requests still parsing when the signal came).
/// </summary>
[Collection(ExclusiveCollection.Name)]
public sealed partial class NeverReadingClientTests(ITestOutputHelper output)
{
    /// <summary>Kestrel gives a blocked write grace + (bytes of the write / rate); a high rate keeps the test short.</summary>
    private const int MinResponseBytesPerSecond = 4_000_000;
    private const int StuckClients = 2;

    [Fact]
    public async Task Clients_that_never_read_a_large_result_are_cut_off_while_others_are_served()
    {
        string dir = Directory.CreateTempSubdirectory("zuna-never-reads-").FullName;
        var stuck = new List<Process>();
        try
        {
            // A 20-minute recording: its preprocessed result (float32 epochs at 256 Hz, ≈ 15 MB) is far more than the
            // server's send buffer (≤ 4 MB here) plus the client's small receive window, so the write blocks for good.
            string request = Path.Combine(dir, "request.http");
            long resultEstimate = WriteRequest(request, LongRecording(Path.Combine(dir, "long_raw.fif"), minutes: 20));

            await using var server = await ServedProcess.StartAsync(new Dictionary<string, string>
            {
                ["Zuna__Connections__MinResponseBytesPerSecond"] = MinResponseBytesPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Zuna__Connections__DataRateGraceSeconds"] = "2",
                // Kestrel says why it closed a connection at Debug; the service's default keeps it at Warning.
                ["Serilog__MinimumLevel__Override__Microsoft.AspNetCore.Server.Kestrel"] = "Debug",
            });
            using var client = server.Client();
            long readyRss = server.MemoryBytes();

            for (int i = 0; i < StuckClients; i++)
                stuck.Add(Process.Start("python3", ["-c", NeverReads, request, $"{server.Port}"])!);

            // Meanwhile others are served in full, and every request the service accepted gets its answer.
            var others = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => client.PostAsync("/v1/embeddings", ZunaServer.SampleUpload())));
            foreach (var response in others)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 1000);
            }

            // Both stuck responses are cut off by the rate limit (bounded wait; the assertion is on Kestrel's reason).
            var clock = Stopwatch.StartNew();
            while (CutOffs(server.Output) < StuckClients && clock.Elapsed < TimeSpan.FromSeconds(180)) await Task.Delay(500);
            Assert.True(CutOffs(server.Output) == StuckClients,
                $"{CutOffs(server.Output)} of {StuckClients} never-reading clients were cut off after {clock.Elapsed.TotalSeconds:F0} s:\n{server.Output}");
            Assert.All(stuck, p => Assert.False(p.HasExited, "a stuck client exited: it was supposed to sit there"));

            // Still serving after the cut-offs, nothing left in flight, memory bounded by a few results rather than growing.
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/embeddings", ZunaServer.SampleUpload())).StatusCode);
            Assert.Contains("zuna_requests_inflight", await client.GetStringAsync("/metrics"));
            long peak = server.MemoryBytes("VmHWM"), now = server.MemoryBytes();
            output.WriteLine($"result ≈ {resultEstimate / 1e6:F0} MB per stuck client; RSS ready {readyRss / 1e6:F0} MB, now {now / 1e6:F0} MB, peak {peak / 1e6:F0} MB");
            Assert.True(peak < readyRss + (StuckClients * 8 * resultEstimate) + (512L << 20),
                $"peak RSS {peak / 1e6:F0} MB for {StuckClients} stuck results of ≈ {resultEstimate / 1e6:F0} MB (ready at {readyRss / 1e6:F0} MB)");
        }
        finally
        {
            foreach (var p in stuck)
            {
                if (!p.HasExited) p.Kill(entireProcessTree: true);
                p.Dispose();
            }
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// The stuck client: a receive buffer of 4 KiB set before connecting (else Linux grows it to tcp_rmem's maximum,
    /// 32 MB here, and the kernel would quietly accept the whole result), the request sent, then nothing read.
    /// </summary>
    private const string NeverReads = """
        import socket, sys, time
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", int(sys.argv[2])))
        s.sendall(open(sys.argv[1], "rb").read())
        time.sleep(300)
        """;

    /// <summary>
    /// Connections Kestrel closed because their client did not read at the minimum rate (its event 28; the RST and
    /// abort lines that follow repeat the reason, so connections are counted by id).
    /// </summary>
    private static int CutOffs(string log) =>
        CutOffLine().Matches(log).Select(m => m.Groups[1].Value).Distinct().Count();

    [GeneratedRegex("""Connection id "([^"]+)", Request id "[^"]+": the connection was closed because the response was not read by the client at the specified minimum data rate""")]
    private static partial Regex CutOffLine();

    /// <summary>The sample recording repeated end to end to <paramref name="minutes"/>, written as FIF.</summary>
    private static RawRecording LongRecording(string path, int minutes)
    {
        var sample = RecordingLoader.Default.ReadContinuous(RecordingSource.FromFile(ZunaServer.SamplePath));
        int samples = (int)(minutes * 60 * sample.SampleRate);
        var data = sample.Data.Select(channel => Enumerable.Range(0, samples).Select(i => channel[i % channel.Length]).ToArray()).ToArray();
        var recording = new RawRecording { Channels = sample.Channels, SampleRate = sample.SampleRate, SampleCount = samples, Data = data, Source = path };
        FifWriter.Write(path, recording);
        return recording;
    }

    /// <summary>A raw HTTP/1.1 preprocess request uploading the recording; returns the result's approximate size in bytes.</summary>
    private static long WriteRequest(string path, RawRecording recording)
    {
        byte[] fif = File.ReadAllBytes(recording.Source);
        byte[] head = Encoding.ASCII.GetBytes(
            "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"long_raw.fif\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        byte[] tail = Encoding.ASCII.GetBytes("\r\n--b--\r\n");
        using var file = File.Create(path);
        file.Write(Encoding.ASCII.GetBytes(
            $"POST /v1/preprocess HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: {head.Length + fif.Length + tail.Length}\r\n\r\n"));
        file.Write(head);
        file.Write(fif);
        file.Write(tail);
        return (long)recording.Channels.Count * (long)(recording.SampleCount / recording.SampleRate * 256) * sizeof(float);
    }
}
