using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Zuna.Api.Backend;
using Zuna.Api.Composition;
using Zuna.Api.Telemetry;

namespace Zuna.Api.Cli.Bench;

/// <summary>
/// `zuna bench load`: the HTTP service on a real Kestrel (127.0.0.1, free port) in this process, N concurrent
/// clients posting one file for a fixed time, once with cross-request batching on and once off. Reports
/// throughput, latency percentiles, 429 answers and RSS before/after as a Markdown table.
/// </summary>
public static class BenchLoad
{
    public static Command Create()
    {
        var model = new Option<string>("--model-dir") { Description = "model directory (config.json + safetensors)", Required = true };
        var file = new Option<string>("--file") { Description = "FIF file every client uploads", Required = true };
        var clients = new Option<string>("--clients") { Description = "comma-separated client counts", DefaultValueFactory = _ => "1,4,16" };
        var seconds = new Option<int>("--seconds") { Description = "duration per configuration", DefaultValueFactory = _ => 10 };
        var operation = new Option<string>("--operation") { Description = "embeddings or reconstructions", DefaultValueFactory = _ => "embeddings" };
        var steps = new Option<int>("--steps") { Description = "diffusion steps for reconstructions", DefaultValueFactory = _ => 2 };
        var capacity = new Option<int>("--queue-capacity") { Description = "Zuna:Queue:Capacity", DefaultValueFactory = _ => 8 };
        var threads = new Option<int>("--threads") { Description = "libtorch intra-op threads (0 = default)", DefaultValueFactory = _ => 0 };
        var command = new Command("load", "HTTP load test of the service on loopback: throughput, p50/p99, 429s, RSS; batching on vs off.");
        foreach (var o in new Option[] { model, file, clients, seconds, operation, steps, capacity, threads }) command.Options.Add(o);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new Settings(parse.GetValue(model)!, parse.GetValue(file)!,
                parse.GetValue(clients)!.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray(),
                parse.GetValue(seconds), parse.GetValue(operation)!, parse.GetValue(steps), parse.GetValue(capacity), parse.GetValue(threads));
            await RunAsync(settings, parse.InvocationConfiguration.Output, cancellationToken);
            return 0;
        });
        return command;
    }

    private sealed record Settings(string ModelDir, string File, int[] Clients, int Seconds, string Operation, int Steps, int QueueCapacity, int Threads);

    private sealed record Sample(double Seconds, HttpStatusCode Status);

    private static async Task RunAsync(Settings settings, TextWriter output, CancellationToken cancellationToken)
    {
        if (!File.Exists(settings.File)) throw new FileNotFoundException("bench file not found", settings.File);
        byte[] upload = await File.ReadAllBytesAsync(settings.File, cancellationToken);
        output.WriteLine($"# zuna bench load — {settings.Operation}, {Path.GetFileName(settings.File)} ({upload.Length / 1024} KiB), " +
                         $"{settings.Seconds} s per row, queue capacity {settings.QueueCapacity}, {Environment.ProcessorCount} cores");
        output.WriteLine();
        output.WriteLine("| batching | clients | requests/s | epochs/s | p50 ms | p99 ms | 429 | other errors | RSS before MB | RSS after MB |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (bool batching in new[] { true, false })
        {
            await using var app = await StartAsync(settings, batching, cancellationToken);
            // SIGTERM reaches the in-process host's console lifetime, which stops the server but not the clients: without
            // this link the clients would go on posting to a closed port, row after row of errors, until killed.
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, app.Lifetime.ApplicationStopping);
            var token = stopping.Token;
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(5) };
            int epochs = await EpochsPerRequestAsync(http, upload, settings, token);
            // Untimed: the first request with a new input shape pays one-off libtorch costs (seconds on CPU).
            await LoadAsync(http, upload, settings with { Seconds = 1 }, clients: 2, token);
            foreach (int clients in settings.Clients)
            {
                GC.Collect();
                long rssBefore = Process.GetCurrentProcess().WorkingSet64;
                var samples = await LoadAsync(http, upload, settings, clients, token);
                token.ThrowIfCancellationRequested();
                long rssAfter = Process.GetCurrentProcess().WorkingSet64;
                var ok = samples.Where(s => s.Status == HttpStatusCode.OK).Select(s => s.Seconds).Order().ToArray();
                int rejected = samples.Count(s => s.Status == HttpStatusCode.TooManyRequests);
                int errors = samples.Count - ok.Length - rejected;
                double rate = ok.Length / (double)settings.Seconds;
                output.WriteLine($"| {(batching ? "on" : "off")} | {clients} | {rate:F2} | {rate * epochs:F1} | {Percentile(ok, 0.5) * 1000:F0} | " +
                                 $"{Percentile(ok, 0.99) * 1000:F0} | {rejected} | {errors} | {rssBefore / 1048576} | {rssAfter / 1048576} |");
            }
            await app.StopAsync(cancellationToken);
        }
    }

    private static async Task<WebApplication> StartAsync(Settings settings, bool batching, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Zuna:Model:Path"] = settings.ModelDir,
            ["Zuna:Model:Device"] = "auto",
            ["Zuna:Model:Threads"] = settings.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Zuna:Queue:Capacity"] = settings.QueueCapacity.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Zuna:Batching:MaxBatchDelayMs"] = batching ? "5" : "0",
            ["Serilog:MinimumLevel:Default"] = "Error",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddZunaOptions([]);
        builder.AddZunaTelemetry();
        builder.AddZunaInference();
        var app = builder.Build();
        app.UseZunaPipeline();
        app.MapZunaApi();
        await app.StartAsync(cancellationToken);
        var host = app.Services.GetRequiredService<ModelHost>();
        while (!host.IsReady)
        {
            if (host.State == ModelState.Failed) throw new Zuna.Engine.ModelLoadException(host.FailureMessage ?? "model failed to load");
            await Task.Delay(50, cancellationToken);
        }
        return app;
    }

    private static async Task<int> EpochsPerRequestAsync(HttpClient http, byte[] upload, Settings settings, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync("/v1/preprocess", Form(upload, settings), cancellationToken);
        response.EnsureSuccessStatusCode();
        using var tensors = Zuna.Engine.SafeTensors.SafeTensorsFile.FromBytes(await response.Content.ReadAsByteArrayAsync(cancellationToken));
        return (int)tensors.Entry("eeg").Shape[0];
    }

    private static async Task<List<Sample>> LoadAsync(HttpClient http, byte[] upload, Settings settings, int clients, CancellationToken cancellationToken)
    {
        var samples = new List<Sample>();
        var until = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
        string path = settings.Operation == "reconstructions" ? "/v1/reconstructions" : "/v1/embeddings";
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < until && !cancellationToken.IsCancellationRequested)
            {
                long start = Stopwatch.GetTimestamp();
                using var response = await http.PostAsync(path, Form(upload, settings), cancellationToken);
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                var sample = new Sample(Stopwatch.GetElapsedTime(start).TotalSeconds, response.StatusCode);
                // Counted as "other errors" in the table; the line says which (rare ones are otherwise untraceable).
                if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.TooManyRequests)
                    await Console.Error.WriteLineAsync($"bench load: {DateTime.UtcNow:HH:mm:ss} HTTP {(int)response.StatusCode}: " +
                        System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 400)).ReplaceLineEndings(" "));
                lock (samples) samples.Add(sample);
                if (response.StatusCode == HttpStatusCode.TooManyRequests) await Task.Delay(50, cancellationToken);
            }
        }));
        return samples;
    }

    private static MultipartFormDataContent Form(byte[] upload, Settings settings)
    {
        var file = new ByteArrayContent(upload);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var form = new MultipartFormDataContent { { file, "file", Path.GetFileName(settings.File) } };
        if (settings.Operation == "reconstructions")
        {
            form.Add(new StringContent(settings.Steps.ToString(System.Globalization.CultureInfo.InvariantCulture)), "steps");
            form.Add(new StringContent("1"), "seed");
        }
        return form;
    }

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}
