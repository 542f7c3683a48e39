using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Zuna.Api.Tests.Hub;

/// <summary>One request the stand-in hub received.</summary>
public sealed record HubRequest(string Method, string Path, string? Authorization, string? Range);

/// <summary>
/// A stand-in for huggingface.co on 127.0.0.1 (real Kestrel) that answers like the hub for one repository:
/// <c>config.json</c> as a git-stored file (200, ETag = git blob sha1), the weights as an LFS file (302 to a CDN
/// URL on another host name, carrying X-Repo-Commit, X-Linked-Etag = sha256 and X-Linked-Size), X-Error-Code on
/// errors, Range support on the CDN. Content is the tiny fixture model from the shared folder.
/// </summary>
public sealed class StandInHub : IAsyncDisposable
{
    public const string RepoId = "Zyphra/ZUNA";
    public const string WeightsFile = "model-00001-of-00001.safetensors";

    /// <summary>The commit "main" points at; any 40-hex value would do, this one is stable across runs.</summary>
    public static readonly string Commit = Convert.ToHexStringLower(SHA1.HashData("stand-in commit of Zyphra/ZUNA"u8));

    private readonly WebApplication _app;
    private int _dropsLeft;

    private StandInHub(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public static byte[] Config { get; } = File.ReadAllBytes(SharedData.Path("fixtures/tiny/config.json"));
    public static byte[] Weights { get; } = File.ReadAllBytes(SharedData.Path("fixtures/tiny/model.safetensors"));

    /// <summary>git's object id of config.json: sha1 of "blob {size}\0" + content (what the hub sends as ETag).</summary>
    public static string ConfigGitSha1 { get; } =
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {Config.Length}\0"), .. Config]));

    public static string WeightsSha256 { get; } = Convert.ToHexStringLower(SHA256.HashData(Weights));

    public Uri Endpoint { get; }

    /// <summary>Endpoint as HF_ENDPOINT would hold it (no trailing slash).</summary>
    public string EndpointText => Endpoint.GetLeftPart(UriPartial.Authority);

    public ConcurrentQueue<HubRequest> Requests { get; } = new();

    /// <summary>When set, resolve requests without <c>Authorization: Bearer {token}</c> get 401.</summary>
    public string? RequiredToken { get; set; }

    /// <summary>The sha256 announced for the weights (X-Linked-Etag); set to another value to simulate corruption.</summary>
    public string AdvertisedWeightsSha256 { get; set; } = WeightsSha256;

    /// <summary>The CDN closes the connection after this many body bytes, for the next <see cref="DropCount"/> GETs.</summary>
    public int DropAfterBytes { get; set; }

    public int DropCount { set => _dropsLeft = value; }

    /// <summary>The CDN sends this many body bytes, signals <see cref="Stalled"/>, then sends nothing more.</summary>
    public int StallAfterBytes { get; set; }

    public TaskCompletionSource Stalled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The CDN answers 200 with the whole file even to a Range request (as some proxies do).</summary>
    public bool IgnoreRange { get; set; }

    public static async Task<StandInHub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        StandInHub? hub = null;
        app.Run(context => hub!.HandleAsync(context));
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        hub = new StandInHub(app, new Uri(address.TrimEnd('/') + "/"));
        return hub;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        Requests.Enqueue(new HubRequest(request.Method, request.Path.Value ?? "",
            request.Headers.Authorization.FirstOrDefault(), request.Headers.Range.FirstOrDefault()));
        string[] segments = (request.Path.Value ?? "").Trim('/').Split('/');

        if (segments is ["cdn", var sha] && sha == WeightsSha256)
        {
            await ServeCdnAsync(context);
            return;
        }
        if (segments.Length < 5 || segments[2] != "resolve")
        {
            context.Response.StatusCode = 404;
            return;
        }

        var response = context.Response;
        string repo = $"{segments[0]}/{segments[1]}";
        string revision = Uri.UnescapeDataString(segments[3]);
        string file = string.Join('/', segments[4..].Select(Uri.UnescapeDataString));
        if (RequiredToken is not null && request.Headers.Authorization.FirstOrDefault() != $"Bearer {RequiredToken}")
        {
            response.StatusCode = 401; // the real hub hides private repositories behind 401 RepoNotFound
            response.Headers["X-Error-Code"] = "RepoNotFound";
            response.Headers["X-Error-Message"] = "Invalid credentials in Authorization header";
            return;
        }
        if (repo != RepoId)
        {
            response.StatusCode = 401;
            response.Headers["X-Error-Code"] = "RepoNotFound";
            response.Headers["X-Error-Message"] = "Repository not found";
            return;
        }
        if (revision != "main" && revision != Commit)
        {
            response.StatusCode = 404;
            response.Headers["X-Error-Code"] = "RevisionNotFound";
            response.Headers["X-Error-Message"] = "Invalid rev id: " + revision;
            return;
        }
        response.Headers["X-Repo-Commit"] = Commit;
        switch (file)
        {
            case "config.json":
                response.Headers.ETag = $"\"{ConfigGitSha1}\"";
                response.ContentLength = Config.Length;
                if (HttpMethods.IsGet(request.Method)) await response.Body.WriteAsync(Config);
                return;
            case WeightsFile:
                response.StatusCode = 302;
                response.Headers.ETag = "\"pointer-file-etag\"";
                response.Headers["X-Linked-Etag"] = $"\"{AdvertisedWeightsSha256}\"";
                response.Headers["X-Linked-Size"] = Weights.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
                // An absolute URL on another host name, like the hub's CDN: the token must not follow it.
                response.Headers.Location = $"http://localhost:{Endpoint.Port}/cdn/{WeightsSha256}?signature=stand-in";
                return;
            default:
                response.StatusCode = 404;
                response.Headers["X-Error-Code"] = "EntryNotFound";
                response.Headers["X-Error-Message"] = "Entry not found";
                return;
        }
    }

    private async Task ServeCdnAsync(HttpContext context)
    {
        var response = context.Response;
        long start = 0;
        if (!IgnoreRange && context.Request.Headers.Range.FirstOrDefault() is { } range
            && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            start = long.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
            if (start >= Weights.Length)
            {
                response.StatusCode = 416;
                return;
            }
            response.StatusCode = 206;
            response.Headers.ContentRange = $"bytes {start}-{Weights.Length - 1}/{Weights.Length}";
        }
        response.ContentLength = Weights.Length - start;
        if (!HttpMethods.IsGet(context.Request.Method)) return;

        if (DropAfterBytes > 0 && Interlocked.Decrement(ref _dropsLeft) >= 0)
        {
            await response.Body.WriteAsync(Weights.AsMemory((int)start, Math.Min(DropAfterBytes, Weights.Length - (int)start)));
            await response.Body.FlushAsync();
            await Task.Delay(150); // let the client read what was sent before the connection is cut
            context.Abort();
            return;
        }
        if (StallAfterBytes > 0)
        {
            await response.Body.WriteAsync(Weights.AsMemory((int)start, StallAfterBytes));
            await response.Body.FlushAsync();
            Stalled.TrySetResult();
            try { await Task.Delay(Timeout.Infinite, context.RequestAborted); } catch (OperationCanceledException) { }
            return;
        }
        await response.Body.WriteAsync(Weights.AsMemory((int)start));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
