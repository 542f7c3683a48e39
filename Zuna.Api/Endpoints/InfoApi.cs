using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Zuna.Api.Backend;
using Zuna.Api.Jobs;
using Zuna.Api.Options;
using Zuna.Api.Queue;
using Zuna.Api.Telemetry;
using Zuna.Engine.Inference;
using Zuna.Engine.Input;

namespace Zuna.Api.Endpoints;

/// <summary>Every limit a client may need to size its requests (TEI's /info idea).</summary>
public sealed record ServiceLimits(
    long MaxUploadBytes,
    int RequestTimeoutSeconds,
    int ShutdownTimeoutSeconds,
    int QueueCapacity,
    int MaxBatchEpochs,
    int MaxBatchDelayMs,
    int MaxSteps,
    int JobResultTtlMinutes,
    long JobMaxResultBytes,
    int PermitsPerMinute);

public sealed record ServiceInfo(
    string Service,
    string Version,
    string State,
    ModelInfo? Model,
    string ConfiguredDevice,
    string ConfiguredDtype,
    bool AuthEnabled,
    int QueueDepth,
    ServiceLimits Limits,
    IReadOnlyList<InputFormat> InputFormats,
    string JobStore = "");

/// <summary>A recording format the upload endpoints and the CLI read (told by content, then by these file name endings).</summary>
public sealed record InputFormat(string Name, IReadOnlyList<string> Extensions);

/// <summary>GET /v1/info.</summary>
public static class InfoApi
{
    public static RouteGroupBuilder MapInfoApi(this RouteGroupBuilder v1)
    {
        v1.MapGet("/info", GetInfo)
            .WithName("GetInfo")
            .WithSummary("Model id, revision, weights sha256, dtype, device, every limit, service version");
        return v1;
    }

    private static Ok<ServiceInfo> GetInfo(ModelHost host, InferenceQueue queue, IJobStore jobs, IOptions<ZunaOptions> options, RecordingLoader loader)
    {
        var o = options.Value;
        var limits = new ServiceLimits(o.Limits.MaxUploadBytes, o.Limits.RequestTimeoutSeconds, o.Limits.ShutdownTimeoutSeconds,
            o.Queue.Capacity, o.Batching.MaxBatchEpochs, o.Batching.MaxBatchDelayMs, o.Limits.MaxSteps,
            o.Jobs.ResultTtlMinutes, o.Jobs.MaxResultBytes, o.Auth.PermitsPerMinute);
        return TypedResults.Ok(new ServiceInfo("zuna", ThisAssembly.Version, host.State.ToString().ToLowerInvariant(), host.Info,
            o.Model.Device, o.Model.Dtype, o.Auth.ApiKeys.Length > 0, queue.Depth, limits,
            loader.Readers.Select(r => new InputFormat(r.Format, r.Extensions)).ToList(), jobs.Engine));
    }
}
