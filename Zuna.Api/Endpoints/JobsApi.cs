using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Zuna.Api.Backend;
using Zuna.Api.Formatting;
using Zuna.Api.Jobs;
using Zuna.Api.Options;
using Zuna.Engine;

namespace Zuna.Api.Endpoints;

/// <summary>Asynchronous requests, stored durably: submit, poll, stream progress, fetch the result, cancel — from any replica.</summary>
public static class JobsApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static RouteGroupBuilder MapJobsApi(this RouteGroupBuilder v1)
    {
        var jobs = v1.MapGroup("/jobs").WithTags("Jobs");

        jobs.MapPost("/", SubmitAsync)
            .WithName("CreateJob")
            .WithSummary("Start an embeddings, reconstructions, preprocess or repairs request in the background")
            .WithDescription("Same inputs as the synchronous endpoint plus `operation` (and `format` for the result). " +
                             "Answers 202 once the upload and the job are stored durably, with the job and a Location header; " +
                             "poll it, or follow /events. An `Idempotency-Key` header makes retries safe: the same key with the " +
                             "same request returns the same job; a different request under a used key is a 422. `operation=repairs` takes " +
                             "the fields of POST /v1/repairs and answers its result; its progress counts windows (epochs_done of epochs_total), " +
                             "and it needs a ZUNA1.1 model (422).")
            .DisableAntiforgery()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        jobs.MapGet("/{id:guid}", GetAsync)
            .WithName("GetJob")
            .WithSummary("Status and progress (epochs done, diffusion steps done in the current batch)");

        jobs.MapGet("/{id:guid}/result", GetResultAsync)
            .WithName("GetJobResult")
            .WithSummary("The result of a finished job, in the format asked for at submission")
            .WithDescription("404 when unknown or expired, 409 while the job runs or after it was cancelled; " +
                             "a failed job answers with the problem it failed with.")
            .Produces(StatusCodes.Status200OK, contentType: OutputFormats.SafetensorsContentType);

        jobs.MapDelete("/{id:guid}", CancelAsync)
            .WithName("CancelJob")
            .WithSummary("Cancel a queued or running job (202), or forget a finished one and its result (204)");

        jobs.MapGet("/{id:guid}/events", EventsAsync)
            .WithName("GetJobEvents")
            .WithSummary("Server-Sent Events: one `status` event per change, ending with the final status");
        return v1;
    }

    private static async Task<Results<Accepted<JobSnapshot>, ProblemHttpResult>> SubmitAsync([AsParameters] JobForm form,
        HttpContext http, IJobStore store, LocalJobs local, JobRunner runner, JobEvents events, ModelHost host, IOptions<ZunaOptions> options)
    {
        var submission = new JobSubmission(form, http, options.Value, host.Info);
        string? key = http.Request.Headers[IdempotencyKeyHeader];
        if (key is { Length: 0 or > 255 }) return Problem(StatusCodes.Status400BadRequest, "Invalid Idempotency-Key", "Idempotency-Key must be 1 to 255 characters.");
        var job = await submission.JobAsync(form.File, UploadParts.CompanionsOf(form.File, http.Request.Form.Files), hashContent: key is not null, http.RequestAborted);

        var submitted = await StoreAsync(store, runner, local, job, key, http.RequestAborted);
        var row = submitted.Jobs[0];
        if (submitted.Replayed)
        {
            if (row.Fingerprint != job.Fingerprint)
                return Problem(StatusCodes.Status422UnprocessableEntity, "Idempotency-Key reused",
                    $"Idempotency-Key '{key}' was used for a different request (job {row.Id}); use a new key for a new request.");
            http.Response.Headers["Idempotent-Replayed"] = "true";
        }
        return TypedResults.Accepted($"/v1/jobs/{row.Id}", events.Snapshot(row));
    }

    /// <summary>
    /// Stores the job; when this replica has a free place it claims the job in the same round trip and starts it here,
    /// else the job waits in the queue for whichever replica frees up first.
    /// </summary>
    private static async Task<Submitted> StoreAsync(IJobStore store, JobRunner runner, LocalJobs local, NewJob job, string? key,
        CancellationToken aborted)
    {
        if (runner.ReserveForSubmission() is not { } claim)
        {
            var queued = await store.SubmitAsync([job], batchId: null, key, aborted);
            if (!queued.Replayed) local.WorkArrived();
            return queued;
        }
        Submitted? submitted = null;
        try
        {
            submitted = await store.SubmitAndClaimAsync(job, key, claim, aborted);
            return submitted;
        }
        finally
        {
            runner.StartOrRelease(submitted is { Replayed: false } ? submitted.Jobs[0] : null);
        }
    }

    private static async Task<Results<Ok<JobSnapshot>, ProblemHttpResult>> GetAsync(Guid id, JobEvents events, CancellationToken aborted) =>
        await events.FindAsync(id, aborted) is { } snapshot ? TypedResults.Ok(snapshot) : NotFound(id);

    private static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> GetResultAsync(Guid id,
        [FromQuery(Name = "format")] string? asked, HttpContext http, IJobStore store)
    {
        if (await store.FindAsync(id, http.RequestAborted) is not { } job) return NotFound(id);
        // The result was written once, in the format chosen at submission; a different one asked for here is an error, not ignored.
        if (FormValue.Text(asked) is { } wanted && OutputFormats.Negotiate(wanted, [], fifAllowed: true) != Enum.Parse<OutputFormat>(job.Format, ignoreCase: true))
            throw new InvalidOptionException($"this job's result is {job.Format}: the format is chosen at submission " +
                                             "(the form field 'format' of POST /v1/jobs), not when fetching the result.");
        switch (job.State)
        {
            case JobStatus.Succeeded when await store.OpenResultAsync(id, http.RequestAborted) is { } result:
                var format = Enum.Parse<OutputFormat>(job.Format, ignoreCase: true);
                http.Response.ContentLength = job.ResultBytes;
                return TypedResults.Stream(result, OutputFormats.ContentType(format), OutputFormats.DownloadName(job.FileName, format));
            case JobStatus.Failed:
                return TypedResults.Problem(job.Snapshot().Error!);
            case JobStatus.Canceled:
                return Problem(StatusCodes.Status409Conflict, "Job cancelled", $"Job {id} was cancelled; it has no result.");
            case JobStatus.Succeeded:
                return NotFound(id);
            default:
                return Problem(StatusCodes.Status409Conflict, "Job not finished",
                    $"Job {id} is {job.Snapshot().Status.ToString().ToLowerInvariant()}; its result is not ready.");
        }
    }

    private static async Task<Results<Accepted<JobSnapshot>, NoContent, ProblemHttpResult>> CancelAsync(Guid id, IJobStore store, LocalJobs local,
        JobEvents events, CancellationToken aborted)
    {
        switch (await store.CancelAsync(id, aborted))
        {
            case CancelOutcome.NotFound:
                return NotFound(id);
            case CancelOutcome.Deleted:
                return TypedResults.NoContent();
            default:
                // Running here: stop it now; elsewhere, its replica sees the request at its next lease renewal.
                if (local.Find(id) is { } running) await running.Cancellation.CancelAsync();
                local.Changed(id);
                var snapshot = await events.FindAsync(id, aborted);
                return snapshot is null ? NotFound(id) : TypedResults.Accepted($"/v1/jobs/{id}", snapshot);
        }
    }

    private static async Task<Results<ServerSentEventsResult<JobSnapshot>, ProblemHttpResult>> EventsAsync(Guid id, IJobStore store, JobEvents events,
        CancellationToken aborted)
    {
        if (await store.FindAsync(id, aborted) is null) return NotFound(id);
        return TypedResults.ServerSentEvents(StreamAsync(events, id, aborted));
    }

    private static async IAsyncEnumerable<SseItem<JobSnapshot>> StreamAsync(JobEvents events, Guid id, [EnumeratorCancellation] CancellationToken aborted)
    {
        await foreach (var snapshot in events.FollowAsync(id, aborted))
            yield return new SseItem<JobSnapshot>(snapshot, "status");
    }

    internal static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title);

    private static ProblemHttpResult NotFound(Guid id) =>
        Problem(StatusCodes.Status404NotFound, "Job not found", $"No job {id} (unknown, expired or deleted).");
}
