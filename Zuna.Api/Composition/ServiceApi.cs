using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Events;
using Zuna.Api.Endpoints;
using Zuna.Api.Errors;
using Zuna.Api.Options;
using Zuna.Api.Telemetry;

namespace Zuna.Api.Composition;

/// <summary>The middleware pipeline and every route: probes, metrics, docs, and the authenticated /v1 group.</summary>
public static class ServiceApi
{
    public static WebApplication UseZunaPipeline(this WebApplication app)
    {
        // Outermost, so the log line carries the status the client got (an exception passing through it reads as 500).
        app.UseSerilogRequestLogging(o =>
        {
            o.EnrichDiagnosticContext = (diagnostics, http) =>
                diagnostics.Set("ServerTiming", http.Response.Headers["Server-Timing"].ToString());
            o.GetLevel = RequestLogLevel;
        });
        app.UseExceptionHandler();
        app.UseStatusCodePages(); // empty 4xx/5xx bodies (401, 404, 429 from the rate limiter) become problem details
        app.UseServerTiming();
        app.Use(AddSecurityHeaders);
        app.Use(RejectOversizedBodies);
        var perIp = app.Services.GetRequiredService<PerIpRateLimit>();
        app.Use(perIp.InvokeAsync); // before authentication, so requests with bad keys count against their address too
        app.UseZunaViewer(); // the page at / (static files, public; its API calls go through /v1 and its auth)
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>
    /// Probes and scrapes at Debug (they arrive every few seconds); a 503 is expected while the model loads or the
    /// service drains (Warning); other server errors and exceptions are errors; everything else Information.
    /// </summary>
    private static LogEventLevel RequestLogLevel(HttpContext http, double elapsedMs, Exception? exception) =>
        exception is not null ? LogEventLevel.Error
        : http.Request.Path.StartsWithSegments("/health") || http.Request.Path.StartsWithSegments("/metrics") ? LogEventLevel.Debug
        : http.Response.StatusCode == StatusCodes.Status503ServiceUnavailable ? LogEventLevel.Warning
        : http.Response.StatusCode >= 500 ? LogEventLevel.Error
        : LogEventLevel.Information;

    /// <summary>
    /// Refuses a declared body over Zuna:Limits:MaxUploadBytes before anything reads it. Kestrel enforces the same
    /// limit on chunked bodies while they are read (MaxRequestBodySize); this check also holds on other servers.
    /// </summary>
    private static Task RejectOversizedBodies(HttpContext http, RequestDelegate next)
    {
        long max = http.RequestServices.GetRequiredService<IOptions<ZunaOptions>>().Value.Limits.MaxUploadBytes;
        if (http.Request.ContentLength > max)
        {
            throw new PayloadTooLargeException($"The request body ({http.Request.ContentLength} bytes) exceeds Zuna:Limits:MaxUploadBytes ({max} bytes).");
        }
        return next(http);
    }

    /// <summary>
    /// nosniff on every answer (error pages and downloads included), so a browser never runs an upload's echo as
    /// script. Set when the headers go out: the exception handler clears headers set earlier.
    /// </summary>
    private static Task AddSecurityHeaders(HttpContext http, RequestDelegate next)
    {
        http.Response.OnStarting(() =>
        {
            http.Response.Headers.XContentTypeOptions = "nosniff";
            return Task.CompletedTask;
        });
        return next(http);
    }

    public static WebApplication MapZunaApi(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ZunaOptions>>().Value;

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }) // process up; never the model
            .WithName("Live").WithSummary("Liveness: 200 while the process runs");
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") })
            .WithName("Ready").WithSummary("Readiness: 200 once the model is loaded and warmed up; 503 while loading or draining");
        // Zuna:Exposure: a deployment that must not describe itself or publish its counters turns these off (→ 404).
        if (options.Exposure.Metrics) app.MapPrometheusScrapingEndpoint("/metrics");
        if (options.Exposure.OpenApi)
        {
            app.MapOpenApi("/openapi/{documentName}.json");
            app.UseSwaggerUI(o =>
            {
                o.RoutePrefix = "swagger";
                o.SwaggerEndpoint("/openapi/v1.json", "ZUNA v1");
            });
        }

        var v1 = app.MapGroup("/v1").WithTags("ZUNA");
        if (options.Auth.ApiKeys.Length > 0) v1.RequireAuthorization();
        if (options.Auth.PermitsPerMinute > 0) v1.RequireRateLimiting(ServiceComposition.RateLimitPolicy);
        v1.ProducesProblem(StatusCodes.Status401Unauthorized);
        // Form endpoints read their form with the endpoint's form options, so the part limits are set here as well
        // as on FormOptions: each part (the file included), each part's headers, every other field's length and count.
        var connections = options.Connections;
        v1.WithFormOptions(multipartBodyLengthLimit: options.Limits.MaxUploadBytes,
            multipartHeadersLengthLimit: connections.MaxMultipartHeadersBytes, multipartHeadersCountLimit: 16,
            valueLengthLimit: connections.MaxFormValueBytes, valueCountLimit: connections.MaxFormFields, keyLengthLimit: 1024);
        v1.MapInfoApi();
        v1.MapInferenceApi();
        v1.MapJobsApi();
        v1.MapRepairsApi();
        v1.MapBatchesApi();
        return app;
    }
}
