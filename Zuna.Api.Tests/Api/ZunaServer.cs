using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Zuna.Api.Backend;

namespace Zuna.Api.Tests.Api;

/// <summary>
/// The real service (Program.cs composition) with the tiny fixture model, over the in-memory TestServer or a real
/// Kestrel on 127.0.0.1 with a free port. <see cref="Gate"/> can hold the real engine before a batch or before
/// loading, so tests can fill the queue or observe the loading state without timing tricks.
/// </summary>
public sealed class ZunaServer : WebApplicationFactory<Program>
{
    public const string SampleFif = "data/fif/zuna__sample1_raw.fif";

    private readonly Dictionary<string, string?> _settings;
    private readonly TimeProvider? _clock;

    public ZunaServer(Dictionary<string, string?>? settings = null, bool kestrel = false, bool gated = false, TimeProvider? clock = null)
    {
        _settings = new Dictionary<string, string?>
        {
            ["Zuna:Model:Path"] = TinyModel,
            ["Zuna:Model:Device"] = "cpu",
            // The goldens are float32; dtype=auto (the default) could pick bfloat16 on a CPU where it is faster. Tests of auto set it.
            ["Zuna:Model:Dtype"] = "float32",
            ["Zuna:Batching:MaxBatchDelayMs"] = "0",
            ["Serilog:MinimumLevel:Default"] = "Warning",
            // Jobs in an in-process SQLite database: each server its own, gone with it (tests of the durable stores choose theirs).
            ["Zuna:Jobs:Store"] = "memory",
            ["Zuna:Jobs:PollMilliseconds"] = "50",
        };
        foreach (var (k, v) in settings ?? []) _settings[k] = v;
        _clock = clock;
        if (gated) Gate = new ModelGate();
        if (kestrel) UseKestrel(0);
    }

    public static string TinyModel => SharedData.Path("fixtures/tiny");
    public static string SamplePath => SharedData.Path(SampleFif);

    /// <summary>Non-null when the server was built gated: the engine waits on it before loading and before each batch.</summary>
    public ModelGate? Gate { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (k, v) in _settings) builder.UseSetting(k, v);
        builder.ConfigureServices(services =>
        {
            if (Gate is { } gate)
            {
                services.Replace(ServiceDescriptor.Singleton<IModelLoader>(sp =>
                    new GatedModelLoader(ActivatorUtilities.CreateInstance<ModelLoader>(sp), gate)));
                services.Replace(ServiceDescriptor.Singleton(GatedFifReader.Registry(gate)));
            }
            if (_clock is not null) services.Replace(ServiceDescriptor.Singleton(_clock));
        });
    }

    /// <summary>A client for the server (Kestrel: a real socket to 127.0.0.1).</summary>
    public HttpClient Client() => CreateClient();

    public async Task<HttpClient> ReadyClientAsync()
    {
        var client = Client();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await client.GetAsync("/health/ready")).StatusCode != HttpStatusCode.OK)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the model did not become ready within 60 s");
            await Task.Delay(50);
        }
        return client;
    }

    public static MultipartFormDataContent Upload(byte[] file, string fileName = "zuna__sample1_raw.fif", params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(content, "file", fileName);
        foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
        return form;
    }

    public static MultipartFormDataContent SampleUpload(params (string Name, string Value)[] fields) =>
        Upload(File.ReadAllBytes(SamplePath), "zuna__sample1_raw.fif", fields);
}
