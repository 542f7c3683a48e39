using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Zuna.Api.Formatting;
using Zuna.Api.Jobs;
using Zuna.Api.Options;
using Zuna.Api.Requests;
using Zuna.Engine;
using Zuna.Engine.Inference;

namespace Zuna.Api.Endpoints;

/// <summary>Asynchronous requests: submit, poll, stream progress, fetch the result, cancel.</summary>
public static class JobsApi
{
    public static RouteGroupBuilder MapJobsApi(this RouteGroupBuilder v1)
    {
        var jobs = v1.MapGroup("/jobs").WithTags("Jobs");

        jobs.MapPost("/", SubmitAsync)
            .WithName("CreateJob")
            .WithSummary("Start an embeddings, reconstructions or preprocess request in the background")
            .WithDescription("Same inputs as the synchronous endpoint plus `operation` (and `format` for the result). " +
                             "Answers 202 with the job and a Location header; poll it, or follow /events.")
            .DisableAntiforgery()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        jobs.MapGet("/{id:guid}", Get)
            .WithName("GetJob")
            .WithSummary("Status and progress (epochs done, diffusion steps done in the current batch)");

        jobs.MapGet("/{id:guid}/result", GetResult)
            .WithName("GetJobResult")
            .WithSummary("The result of a finished job, in the format asked for at submission")
            .WithDescription("404 when unknown or expired, 409 while the job runs or after it was cancelled; " +
                             "`format`, if given, must be the one chosen at submission (else 400); " +
                             "a failed job answers with the problem it failed with.")
            .Produces(StatusCodes.Status200OK, contentType: OutputFormats.SafetensorsContentType);

        jobs.MapDelete("/{id:guid}", Cancel)
            .WithName("CancelJob")
            .WithSummary("Cancel a running job (202), or forget a finished one and its result (204)");

        jobs.MapGet("/{id:guid}/events", Events)
            .WithName("GetJobEvents")
            .WithSummary("Server-Sent Events: one `status` event per change, ending with the final status");
        return v1;
    }

    private static async Task<Results<Accepted<JobSnapshot>, ProblemHttpResult>> SubmitAsync([AsParameters] JobForm form,
        HttpContext http, JobRunner runner, IOptions<ZunaOptions> options)
    {
        var operation = form.ParsedOperation();
        var format = OutputFormats.Negotiate(FormValue.Text(form.Format) ?? http.Request.Query["format"], [], fifAllowed: operation == Operation.Reconstruct);
        var sampler = operation == Operation.Reconstruct ? form.Sampler(options.Value.Limits.MaxSteps) : new SamplerOptions();
        var request = new InferenceRequest(operation, form.Input(), sampler, form.SeedOrRandom(), VoltsOutput: format == OutputFormat.Fif);

        await using var upload = form.File.OpenReadStream();
        var job = await runner.StartAsync(upload, form.File.FileName, request, format, http.RequestAborted);
        return TypedResults.Accepted($"/v1/jobs/{job.Id}", job.Snapshot());
    }

    private static Results<Ok<JobSnapshot>, ProblemHttpResult> Get(Guid id, JobStore store) =>
        store.Find(id) is { } job ? TypedResults.Ok(job.Snapshot()) : NotFound(id);

    private static Results<FileContentHttpResult, ProblemHttpResult> GetResult(Guid id, [FromQuery(Name = "format")] string? format, JobStore store)
    {
        if (store.Find(id) is not { } job) return NotFound(id);
        // The result was written once, at submission's format; a different one here would be silently ignored otherwise.
        if (FormValue.Text(format) is { } asked && OutputFormats.Negotiate(asked, [], fifAllowed: true) != job.Format)
            throw new InvalidOptionException($"this job's result is {job.Format.ToString().ToLowerInvariant()}: the format is chosen at " +
                                             "submission (the form field 'format' of POST /v1/jobs), not when fetching the result.");
        var snapshot = job.Snapshot();
        return snapshot.Status switch
        {
            JobStatus.Succeeded when job.Result is { } result =>
                TypedResults.File(result, OutputFormats.ContentType(job.Format), OutputFormats.DownloadName(job.FileName, job.Format)),
            JobStatus.Failed => TypedResults.Problem(snapshot.Error!),
            JobStatus.Canceled => TypedResults.Problem($"Job {id} was cancelled; it has no result.", statusCode: StatusCodes.Status409Conflict, title: "Job cancelled"),
            JobStatus.Succeeded => NotFound(id),
            _ => TypedResults.Problem($"Job {id} is {snapshot.Status.ToString().ToLowerInvariant()}; its result is not ready.",
                statusCode: StatusCodes.Status409Conflict, title: "Job not finished"),
        };
    }

    private static Results<Accepted<JobSnapshot>, NoContent, ProblemHttpResult> Cancel(Guid id, JobStore store, JobRunner runner)
    {
        if (store.Find(id) is not { } job) return NotFound(id);
        if (job.IsFinished)
        {
            store.Remove(id);
            return TypedResults.NoContent();
        }
        runner.Cancel(job);
        return TypedResults.Accepted($"/v1/jobs/{id}", job.Snapshot());
    }

    private static Results<ServerSentEventsResult<JobSnapshot>, ProblemHttpResult> Events(Guid id, JobStore store, CancellationToken aborted)
    {
        if (store.Find(id) is not { } job) return NotFound(id);
        return TypedResults.ServerSentEvents(Stream(job, aborted));
    }

    private static async IAsyncEnumerable<SseItem<JobSnapshot>> Stream(Job job, [EnumeratorCancellation] CancellationToken aborted)
    {
        var reader = job.Subscribe();
        try
        {
            await foreach (var snapshot in reader.ReadAllAsync(aborted))
                yield return new SseItem<JobSnapshot>(snapshot, "status");
        }
        finally
        {
            job.Unsubscribe(reader);
        }
    }

    private static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem($"No job {id} (unknown, expired or deleted).", statusCode: StatusCodes.Status404NotFound, title: "Job not found");
}
