using System.IO.Compression;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Zuna.Api.Errors;
using Zuna.Api.Backend;
using Zuna.Api.Formatting;
using Zuna.Api.Jobs;
using Zuna.Api.Options;

namespace Zuna.Api.Endpoints;

/// <summary>
/// Many recordings in one request (OpenAI's Batch API idea): one job per file, same options for all, items fail
/// independently; status with counts per state; every result in one streamed zip.
/// </summary>
public static class BatchesApi
{
    public static RouteGroupBuilder MapBatchesApi(this RouteGroupBuilder v1)
    {
        var batches = v1.MapGroup("/batches").WithTags("Batches");

        batches.MapPost("/", SubmitAsync)
            .WithName("CreateBatch")
            .WithSummary("Start one job per recording: repeat the `file` field, one part per recording")
            .WithDescription("Same fields as POST /v1/jobs, applied to every file. Companion files (BrainVision .vmrk/.eeg, EEGLAB .fdt, " +
                             "a .npy's .json) are further parts that go with the `file` of the same file stem; or send each recording " +
                             "with its companions as one zip. Answers 202 once every upload is stored.")
            .DisableAntiforgery()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        batches.MapGet("/{id:guid}", GetAsync)
            .WithName("GetBatch")
            .WithSummary("Counts per state, progress, and each item with its job and result URL");

        batches.MapGet("/{id:guid}/results", ArchiveAsync)
            .WithName("GetBatchResults")
            .WithSummary("A zip of every finished item: its result, or <name>.error.json for a failed one (streamed)")
            .Produces(StatusCodes.Status200OK, contentType: "application/zip");

        batches.MapDelete("/{id:guid}", CancelAsync)
            .WithName("CancelBatch")
            .WithSummary("Cancel every item not finished yet; finished results stay");
        return v1;
    }

    private static async Task<Results<Accepted<BatchSnapshot>, ProblemHttpResult>> SubmitAsync([AsParameters] JobForm form, IFormFileCollection files,
        HttpContext http, IJobStore store, LocalJobs local, JobEvents events, ModelHost host, IOptions<ZunaOptions> options)
    {
        var jobsOptions = options.Value.Jobs;
        var recordings = UploadParts.Group(files);
        if (recordings.Count > jobsOptions.MaxBatchItems)
            throw new PayloadTooLargeException($"The batch has {recordings.Count} files; Zuna:Jobs:MaxBatchItems is {jobsOptions.MaxBatchItems}.");
        var submission = new JobSubmission(form, http, options.Value, host.Info);
        var jobs = new List<NewJob>(recordings.Count);
        foreach (var recording in recordings) jobs.Add(await submission.JobAsync(recording.Main, recording.Companions, hashContent: false, http.RequestAborted));

        var id = Guid.NewGuid();
        var submitted = await store.SubmitAsync(jobs, id, idempotencyKey: null, http.RequestAborted);
        local.WorkArrived();
        return TypedResults.Accepted($"/v1/batches/{id}", BatchSnapshot.Of(id, [.. submitted.Jobs.Select(events.Snapshot)]));
    }

    private static async Task<Results<Ok<BatchSnapshot>, ProblemHttpResult>> GetAsync(Guid id, IJobStore store, JobEvents events, CancellationToken aborted) =>
        await store.FindBatchAsync(id, aborted) is { } items ? TypedResults.Ok(BatchSnapshot.Of(id, [.. items.Select(events.Snapshot)])) : NotFound(id);

    private static async Task<Results<Accepted<BatchSnapshot>, ProblemHttpResult>> CancelAsync(Guid id, IJobStore store, LocalJobs local, JobEvents events,
        CancellationToken aborted)
    {
        if (await store.FindBatchAsync(id, aborted) is null) return NotFound(id);
        await store.CancelBatchAsync(id, aborted);
        var items = await store.FindBatchAsync(id, aborted) ?? [];
        foreach (var item in items)
        {
            if (local.Find(item.Id) is { } running) await running.Cancellation.CancelAsync();
            local.Changed(item.Id);
        }
        return TypedResults.Accepted($"/v1/batches/{id}", BatchSnapshot.Of(id, [.. items.Select(events.Snapshot)]));
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> ArchiveAsync(Guid id, HttpContext http, IJobStore store)
    {
        if (await store.FindBatchAsync(id, http.RequestAborted) is not { } items) return NotFound(id);
        http.Response.ContentType = "application/zip";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"batch-{id}.zip\"";
        // Entries go out as they are read from the store, one chunk at a time: nothing is held whole.
        var output = new ZipResponseStream(http.Response.Body);
        var zip = await ZipArchive.CreateAsync(output, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, http.RequestAborted);
        foreach (var (item, index) in items.Select((item, index) => (item, index)))
        {
            var format = Enum.Parse<OutputFormat>(item.Format, ignoreCase: true);
            string baseName = $"{index:D4}_{Path.GetFileNameWithoutExtension(item.FileName)}";
            if (item.State == JobStatus.Failed)
            {
                var error = zip.CreateEntry(baseName + ".error.json", CompressionLevel.Fastest);
                var errorStream = await error.OpenAsync(http.RequestAborted);
                await JsonSerializer.SerializeAsync(errorStream, item.Snapshot().Error, cancellationToken: http.RequestAborted);
                await errorStream.DisposeAsync();
                await output.FlushAsync(http.RequestAborted);
                continue;
            }
            if (item.State != JobStatus.Succeeded) continue;
            await using var result = await store.OpenResultAsync(item.Id, http.RequestAborted);
            if (result is null) continue; // expired or evicted since the listing
            var entry = zip.CreateEntry(baseName + OutputFormats.FileExtension(format),
                format == OutputFormat.Json ? CompressionLevel.Fastest : CompressionLevel.NoCompression);
            var entryStream = await entry.OpenAsync(http.RequestAborted);
            await result.CopyToAsync(entryStream, http.RequestAborted);
            await entryStream.DisposeAsync();
            await output.FlushAsync(http.RequestAborted);
        }
        await zip.DisposeAsync(); // the central directory
        await output.FlushAsync(http.RequestAborted);
        return TypedResults.Empty;
    }

    private static ProblemHttpResult NotFound(Guid id) =>
        JobsApi.Problem(StatusCodes.Status404NotFound, "Batch not found", $"No batch {id} (unknown, or expired with all its items).");
}
