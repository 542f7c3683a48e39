using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Zuna.Api.Telemetry;
using Zuna.Engine;

namespace Zuna.Api.Errors;

/// <summary>
/// The one place where exceptions become HTTP answers (RFC 9457 problem details with traceId, added by
/// AddProblemDetails). Also used for failed jobs, so GET /v1/jobs/{id} reports the same status a
/// synchronous request would have got.
/// </summary>
public sealed class ErrorMapping(IProblemDetailsService problems, ZunaTelemetry telemetry, ILogger<ErrorMapping> logger) : IExceptionHandler
{
    public static ProblemDetails ToProblem(Exception exception)
    {
        var (status, title) = exception switch
        {
            InvalidOptionException => (StatusCodes.Status400BadRequest, "Invalid option"),
            ZunaInputException => (StatusCodes.Status422UnprocessableEntity, "Unusable input"),
            BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => "Payload too large",
                StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
                _ => "Bad request",
            }),
            InvalidDataException => (StatusCodes.Status400BadRequest, "Malformed request body"),
            PayloadTooLargeException => (StatusCodes.Status413PayloadTooLarge, "Payload too large"),
            QueueFullException => (StatusCodes.Status429TooManyRequests, "Queue full"),
            ServiceNotReadyException => (StatusCodes.Status503ServiceUnavailable, "Not ready"),
            ModelLoadException => (StatusCodes.Status503ServiceUnavailable, "Model unavailable"),
            DeadlineExceededException => (StatusCodes.Status504GatewayTimeout, "Deadline exceeded"),
            OperationCanceledException => (499, "Cancelled"),
            _ => (StatusCodes.Status500InternalServerError, "Inference failed"),
        };
        return new ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = status == 500 ? "An unexpected error occurred; see the service log for the trace id."
                : exception is BadHttpRequestException binding ? BindingMessage(binding) : exception.Message,
        };
    }

    /// <summary>
    /// The framework's binding failures in the API's words. Every form field is bound as text and parsed by the form
    /// (Endpoints/FormValue), so what is left here is the body itself: not a form, or a form that cannot be read.
    /// </summary>
    private static string BindingMessage(BadHttpRequestException bad) => bad.StatusCode switch
    {
        StatusCodes.Status415UnsupportedMediaType =>
            "uploads must be multipart/form-data with the recording in a file field named 'file' " +
            "(curl -F file=@recording_raw.fif …).",
        StatusCodes.Status413PayloadTooLarge => bad.Message,
        _ when bad.Message.StartsWith("Failed to read parameter", StringComparison.Ordinal) =>
            "the request body could not be read as multipart/form-data" + (bad.InnerException is { } inner ? $": {inner.Message}" : "."),
        _ => bad.Message,
    };

    /// <summary>
    /// Details for answers that carry no exception (status-code pages: 401 from authentication, 404 for an unknown
    /// route, 429 from the per-key rate limiter), so every problem says what to do about it.
    /// </summary>
    public static void DescribeStatus(HttpContext http, ProblemDetails problem)
    {
        if (problem.Detail is not null) return;
        problem.Detail = problem.Status switch
        {
            StatusCodes.Status401Unauthorized => string.IsNullOrEmpty(http.Request.Headers.Authorization)
                ? "this service requires an API key: send 'Authorization: Bearer <key>' (a key from Zuna:Auth:ApiKeys)."
                : "the API key sent in 'Authorization: Bearer <key>' is not one of the configured keys.",
            StatusCodes.Status404NotFound => $"no endpoint {http.Request.Method} {http.Request.Path}; see /swagger for the API.",
            StatusCodes.Status429TooManyRequests => "too many requests for this API key in the current minute (Zuna:Auth:PermitsPerMinute); retry after the Retry-After seconds.",
            _ => null,
        };
    }

    /// <summary>The zuna.requests.rejected reason of an answer, counted here once for every path that refuses work.</summary>
    private static string? RejectionReason(int status) => status switch
    {
        400 => "invalid_option",
        413 => "too_large",
        415 => "unsupported_media_type",
        422 => "invalid_input",
        429 => "queue_full",
        503 => "not_ready",
        504 => "deadline",
        _ => null,
    };

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var problem = ToProblem(exception);
        if (RejectionReason(problem.Status!.Value) is { } reason) telemetry.RecordRejected(reason);
        if (problem.Status >= 500 && exception is not (ServiceNotReadyException or ModelLoadException or DeadlineExceededException))
            logger.LogError(exception, "Unhandled error on {Path}", http.Request.Path);
        if (exception is OperationCanceledException && http.RequestAborted.IsCancellationRequested)
            return true; // the client is gone; nobody reads an answer
        if (exception is QueueFullException full)
            http.Response.Headers.RetryAfter = full.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (exception is ServiceNotReadyException or ModelLoadException)
            http.Response.Headers.RetryAfter = "5";
        http.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }
}
