using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Zuna.Api.Backend;
using Zuna.Api.Errors;
using Zuna.Api.Jobs;
using Zuna.Api.Options;
using Zuna.Api.Queue;
using Zuna.Api.Requests;
using Zuna.Api.Telemetry;
using Zuna.Engine.Input;

namespace Zuna.Api.Composition;

/// <summary>Registration of the service's parts; Program.cs only calls these.</summary>
public static class ServiceComposition
{
    public const string RateLimitPolicy = "per-key";

    private const string JobSnapshotExample = """
        {
          "id": "5f0c6f3e-8a57-4c0e-9d59-2f7f1f3b9a10", "operation": "reconstructions", "status": "running",
          "progress": { "epochs_done": 16, "epochs_total": 48, "steps_done": 20, "steps_total": 50 },
          "created_at": "2026-11-30T01:00:00Z", "started_at": "2026-11-30T01:00:01Z"
        }
        """;

    /// <summary>Command-line switches that map onto configuration keys (besides ASP.NET's own --urls).</summary>
    public static readonly Dictionary<string, string> SwitchMappings = new()
    {
        ["--model-dir"] = "Zuna:Model:Path",
        ["--device"] = "Zuna:Model:Device",
        ["--dtype"] = "Zuna:Model:Dtype",
    };

    /// <summary>The "Zuna" options (validated at start-up) and the server limits derived from them.</summary>
    public static WebApplicationBuilder AddZunaOptions(this WebApplicationBuilder builder, string[] args)
    {
        builder.Configuration.AddCommandLine(args, SwitchMappings);
        builder.Services.AddSingleton<IValidateOptions<ZunaOptions>, ZunaOptionsValidator>();
        builder.Services.AddOptions<ZunaOptions>().Bind(builder.Configuration.GetSection(ZunaOptions.Section)).ValidateOnStart();

        // The upload limit must be raised in both places: Kestrel refuses the body, the form reader refuses a section.
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<ZunaOptions>>((kestrel, zuna) =>
        {
            var connections = zuna.Value.Connections;
            var grace = TimeSpan.FromSeconds(connections.DataRateGraceSeconds);
            kestrel.AddServerHeader = false; // no "Server: Kestrel" banner to fingerprint
            kestrel.Limits.MaxRequestBodySize = zuna.Value.Limits.MaxUploadBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = connections.MaxRequestHeadersBytes;
            // A client trickling its upload (or not reading its answer) would otherwise hold a connection indefinitely.
            kestrel.Limits.MinRequestBodyDataRate = connections.MinRequestBodyBytesPerSecond > 0
                ? new MinDataRate(connections.MinRequestBodyBytesPerSecond, grace) : null;
            kestrel.Limits.MinResponseDataRate = connections.MinResponseBytesPerSecond > 0
                ? new MinDataRate(connections.MinResponseBytesPerSecond, grace) : null;
        });
        builder.Services.AddOptions<FormOptions>().Configure<IOptions<ZunaOptions>>((form, zuna) =>
        {
            var connections = zuna.Value.Connections;
            form.MultipartBodyLengthLimit = zuna.Value.Limits.MaxUploadBytes; // each part, the file included
            form.MultipartHeadersLengthLimit = connections.MaxMultipartHeadersBytes;
            form.MultipartHeadersCountLimit = 16;
            form.ValueLengthLimit = connections.MaxFormValueBytes;
            form.ValueCountLimit = connections.MaxFormFields;
            form.KeyLengthLimit = 1024;
        });
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<ZunaOptions>>((host, zuna) =>
            host.ShutdownTimeout = TimeSpan.FromSeconds(zuna.Value.Limits.ShutdownTimeoutSeconds + 5));
        return builder;
    }

    /// <summary>Model host, inference, jobs, errors, health, auth and rate limits, JSON and OpenAPI.</summary>
    public static WebApplicationBuilder AddZunaInference(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(RecordingLoader.Default);
        services.AddSingleton<InferenceQueue>();
        services.AddSingleton<IModelLoader, ModelLoader>();
        services.AddSingleton<ModelHost>();
        services.AddHostedService(sp => sp.GetRequiredService<ModelHost>());
        services.AddSingleton<InferenceService>();
        services.AddSingleton<RepairService>();
        services.AddSingleton(sp => JobStoreFactory.Create(sp.GetRequiredService<IOptions<ZunaOptions>>().Value.Jobs,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ZunaTelemetry>()));
        services.AddSingleton<LocalJobs>();
        services.AddSingleton<JobEvents>();
        services.AddSingleton<JobRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<JobRunner>());
        services.AddSingleton<JobSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<JobSweeper>());
        services.AddHostedService<JobNotifications>();

        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            // One id, the W3C trace id that spans, logs and X-Trace-Id carry; the framework's own entry (named
            // by the snake_case policy, holding the whole traceparent) would only repeat it.
            ctx.ProblemDetails.Extensions.Remove("trace_id");
            ctx.ProblemDetails.Extensions["traceId"] = System.Diagnostics.Activity.Current?.TraceId.ToString() ?? ctx.HttpContext.TraceIdentifier;
            ctx.ProblemDetails.Instance ??= ctx.HttpContext.Request.Path;
            ErrorMapping.DescribeStatus(ctx.HttpContext, ctx.ProblemDetails);
        });
        services.AddExceptionHandler<ErrorMapping>();
        // Binding failures (415 wrong media type, 413 body too large, 400 unparsable field) reach ErrorMapping with their message.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });

        services.AddHealthChecks()
            .AddCheck<ModelReadyCheck>("model", tags: ["ready"]);

        services.AddAuthentication(ApiKeyHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyHandler>(ApiKeyHandler.SchemeName, null);
        services.AddAuthorization();
        services.AddSingleton<PerIpRateLimit>(); // before authentication in the pipeline; the per-key policy after it
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests; // the default would be 503
            o.OnRejected = (ctx, _) =>
            {
                ctx.HttpContext.RequestServices.GetRequiredService<ZunaTelemetry>().RecordRejected("rate_limited");
                if (ctx.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry))
                    ctx.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                return ValueTask.CompletedTask; // body: problem details from status-code pages
            };
            o.AddPolicy(RateLimitPolicy, http =>
            {
                int permits = http.RequestServices.GetRequiredService<IOptions<ZunaOptions>>().Value.Auth.PermitsPerMinute;
                string partition = http.User.Identity?.Name ?? http.Connection.RemoteIpAddress?.ToString() ?? "anonymous";
                return RateLimitPartition.GetFixedWindowLimiter(partition, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = permits,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });
        });

        services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "ZUNA inference service";
            document.Info.Version = ThisAssembly.Version;
            document.Info.Description =
                "Embeddings, reconstructions and preprocessing of EEG recordings with Zyphra's ZUNA model. " +
                "Uploads are multipart/form-data with a `file` field holding a FIF raw file (or the safetensors " +
                "layout returned by /v1/preprocess). Results are safetensors by default; `?format=json` or " +
                "`Accept: application/json` returns JSON; reconstructions also offer `?format=fif` (volts). " +
                "Errors are RFC 9457 problem details with a traceId.";
            return Task.CompletedTask;
        }).AddSchemaTransformer((schema, context, _) =>
        {
            if (context.JsonTypeInfo.Type == typeof(JobSnapshot)) schema.Examples = [JsonNode.Parse(JobSnapshotExample)!];
            return Task.CompletedTask;
        }).AddOperationTransformer(OpenApiForms.TransformAsync).AddDocumentTransformer(OpenApiSecurity.TransformAsync));
        return builder;
    }
}
