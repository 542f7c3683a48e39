using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Zuna.Api.Options;
using Zuna.Api.Telemetry;

namespace Zuna.Api.Composition;

/// <summary>
/// Zuna:Auth:PermitsPerMinutePerIp: a fixed one-minute window per client address on every route but the health
/// probes. It runs before authentication, so a client cycling through keys, or guessing them, spends one budget;
/// the per-key limit (<see cref="ServiceComposition.RateLimitPolicy"/>) applies on top of it on /v1.
/// </summary>
public sealed class PerIpRateLimit : IDisposable
{
    private readonly PartitionedRateLimiter<HttpContext> _limiter;
    private readonly ZunaTelemetry _telemetry;

    public PerIpRateLimit(IOptions<ZunaOptions> zuna, ZunaTelemetry telemetry)
    {
        int permits = zuna.Value.Auth.PermitsPerMinutePerIp;
        _telemetry = telemetry;
        _limiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            permits == 0 || http.Request.Path.StartsWithSegments("/health")
                ? RateLimitPartition.GetNoLimiter("")
                : RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ =>
                    new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
    }

    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        using var lease = _limiter.AttemptAcquire(http);
        if (!lease.IsAcquired)
        {
            _telemetry.RecordRejected("rate_limited");
            if (lease.TryGetMetadata(MetadataName.RetryAfter, out var retry))
                http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            http.Response.StatusCode = StatusCodes.Status429TooManyRequests; // body: problem details from status-code pages
            return;
        }
        await next(http);
    }

    public void Dispose() => _limiter.Dispose();
}
