namespace Zuna.Api.Errors;

/// <summary>The inference queue is full; the client should retry after <see cref="RetryAfterSeconds"/>.</summary>
public sealed class QueueFullException(int capacity, int retryAfterSeconds)
    : Exception($"The inference queue is full ({capacity} requests waiting); retry later.")
{
    public int RetryAfterSeconds { get; } = retryAfterSeconds;
}

/// <summary>The model is still loading, failed to load, or the service is draining for shutdown.</summary>
public sealed class ServiceNotReadyException(string message) : Exception(message);

/// <summary>The request's deadline (Zuna:Limits:RequestTimeoutSeconds) passed before its result was ready.</summary>
public sealed class DeadlineExceededException(int seconds)
    : Exception($"The request did not finish within its {seconds} s deadline (Zuna:Limits:RequestTimeoutSeconds).");

/// <summary>The request body exceeds Zuna:Limits:MaxUploadBytes, or a job result exceeds the result store.</summary>
public sealed class PayloadTooLargeException(string message) : Exception(message);
