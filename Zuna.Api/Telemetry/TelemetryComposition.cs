using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Serilog;
using Serilog.Events;

namespace Zuna.Api.Telemetry;

/// <summary>Logs (Serilog, JSON lines with trace ids), traces and metrics (OpenTelemetry: Prometheus /metrics, optional OTLP).</summary>
public static class TelemetryComposition
{
    public static WebApplicationBuilder AddZunaTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ZunaTelemetry>();
        // Console lines for people by default; sinks configured under Serilog:WriteTo replace them (JSON lines for a log
        // collector: Serilog:WriteTo:0:Name=Console with Args:formatter set to RenderedCompactJsonFormatter, see README).
        bool sinksConfigured = builder.Configuration.GetSection("Serilog:WriteTo").Exists();
        bool debug = Enum.TryParse<LogEventLevel>(builder.Configuration["Serilog:MinimumLevel:Default"] ?? builder.Configuration["Serilog:MinimumLevel"],
            ignoreCase: true, out var level) && level <= LogEventLevel.Debug;
        builder.Services.AddSerilog((services, log) =>
        {
            log.MinimumLevel.Information()
                .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                // An unready model is reported by /health/ready itself; an Error line per probe while loading is noise.
                .MinimumLevel.Override("Microsoft.Extensions.Diagnostics.HealthChecks", LogEventLevel.Fatal)
                .ReadFrom.Configuration(builder.Configuration)
                .ReadFrom.Services(services)
                .Enrich.FromLogContext();
            if (!sinksConfigured) log.WriteTo.Console(new ConsoleLineFormatter(withStackTraces: debug));
        }, writeToProviders: false); // Serilog replaces the default console provider (no duplicate lines)

        bool ObservedPath(HttpContext http) =>
            !http.Request.Path.StartsWithSegments("/health") && !http.Request.Path.StartsWithSegments("/metrics");

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("zuna", serviceVersion: ThisAssembly.Version))
            .WithTracing(t => t
                .AddSource(ZunaTelemetry.Name)
                .AddAspNetCoreInstrumentation(o => o.Filter = ObservedPath))
            .WithMetrics(m => m
                .AddMeter(ZunaTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());

        // Zuna:Telemetry:OtlpEndpoint wins; otherwise the standard OTEL_EXPORTER_OTLP_ENDPOINT; otherwise no exporter.
        string? endpoint = builder.Configuration["Zuna:Telemetry:OtlpEndpoint"];
        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            var uri = new Uri(endpoint);
            otel.UseOtlpExporter(uri.Port == 4318 ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc, uri);
        }
        else if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }
        return builder;
    }

    /// <summary>
    /// Gives every request a <see cref="PhaseTimer"/> (a request feature) and writes its phases as the
    /// Server-Timing header when the response starts, with the trace id as X-Trace-Id.
    /// </summary>
    public static IApplicationBuilder UseServerTiming(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        var timer = new PhaseTimer(http.RequestServices.GetRequiredService<ZunaTelemetry>());
        http.Features.Set(timer);
        string traceId = System.Diagnostics.Activity.Current?.TraceId.ToHexString() ?? http.TraceIdentifier;
        http.Response.OnStarting(() =>
        {
            http.Response.Headers["X-Trace-Id"] = traceId; // the same id as the spans, the log lines and problem details
            string header = timer.ServerTimingHeader();
            if (header.Length > 0) http.Response.Headers["Server-Timing"] = header;
            return Task.CompletedTask;
        });
        return next(http);
    });

    public static PhaseTimer Phases(this HttpContext http) =>
        http.Features.Get<PhaseTimer>() ?? new PhaseTimer(http.RequestServices.GetRequiredService<ZunaTelemetry>());
}
