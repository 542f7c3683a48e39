using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Zuna.Api.Backend;

/// <summary>/health/ready: 200 once the model is loaded and warmed up; 503 while loading, after a failed load, or while draining.</summary>
public sealed class ModelReadyCheck(ModelHost host) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(host.State switch
        {
            ModelState.Ready => HealthCheckResult.Healthy("model loaded"),
            ModelState.Failed => HealthCheckResult.Unhealthy($"model failed to load: {host.FailureMessage}"),
            ModelState.Loading => HealthCheckResult.Unhealthy("model loading"),
            _ => HealthCheckResult.Unhealthy("draining"),
        });
}
