using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Zuna.Api.Formatting;
using Zuna.Api.Options;
using Zuna.Api.Requests;
using Zuna.Api.Telemetry;
using Zuna.Engine.Inference;

namespace Zuna.Api.Endpoints;

/// <summary>The synchronous endpoints: POST /v1/embeddings, /v1/reconstructions, /v1/preprocess.</summary>
public static class InferenceApi
{
    public static RouteGroupBuilder MapInferenceApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/embeddings", EmbedAsync)
            .WithName("CreateEmbeddings")
            .WithSummary("Encoder latents of every 5 s epoch of a recording")
            .WithDescription("Returns safetensors with `latents` [E,S,32] F32 (S = channels × 40 patches, in the model's token order: " +
                             "time-major for ZUNA1.1, channel-major for ZUNA 1.0; metadata `token_order`), " +
                             "`tok_idx` [S,4] I64 (x, y, z bins and coarse time) and `chan_pos` [C,3] F32 in metres; " +
                             "JSON with the same names when `?format=json` or `Accept: application/json`.")
            .WithUpload();

        v1.MapPost("/reconstructions", ReconstructAsync)
            .WithName("CreateReconstructions")
            .WithSummary("Denoised / interpolated signals from the diffusion decoder")
            .WithDescription("Returns safetensors with `reconstruction` [E,C,1280] F32 in z-units and `chan_pos`; " +
                             "`?format=fif` (or `Accept: application/x-fif`) returns a FIF raw file in volts at 256 Hz " +
                             "(× global_std + global_mean) with the channel positions; `?format=json` returns JSON.")
            .WithUpload()
            .Produces(StatusCodes.Status200OK, contentType: OutputFormats.FifContentType);

        v1.MapPost("/preprocess", PreprocessAsync)
            .WithName("Preprocess")
            .WithSummary("The epochs the model would see")
            .WithDescription("Runs only the preprocessing chain (resample to 256 Hz, 0.5 Hz high-pass, average reference, " +
                             "global z-score, 5 s epochs). Returns the preprocessed safetensors layout, which the other " +
                             "endpoints accept as input, or JSON.")
            .WithUpload();
        return v1;
    }

    internal static RouteHandlerBuilder WithUpload(this RouteHandlerBuilder endpoint) => endpoint
        .DisableAntiforgery() // a machine API: clients send no antiforgery token
        .Produces(StatusCodes.Status200OK, contentType: OutputFormats.SafetensorsContentType)
        .Produces(StatusCodes.Status200OK, contentType: OutputFormats.JsonContentType)
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
        .ProducesProblem(StatusCodes.Status429TooManyRequests)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
        .ProducesProblem(StatusCodes.Status504GatewayTimeout);

    private static Task<PushStreamHttpResult> EmbedAsync([AsParameters] UploadForm form,
        [FromQuery(Name = "format")] string? format, HttpContext http, InferenceService service)
    {
        var output = OutputFormats.Negotiate(FormValue.Format(format, http.Request), http.Request.GetTypedHeaders().Accept, fifAllowed: false);
        var request = new InferenceRequest(Operation.Embed, form.Input(), new SamplerOptions(), 0);
        return RespondAsync(http, form.File, request, output, service);
    }

    private static Task<PushStreamHttpResult> ReconstructAsync([AsParameters] ReconstructionForm form,
        [FromQuery(Name = "format")] string? format, HttpContext http, InferenceService service, IOptions<ZunaOptions> options)
    {
        var output = OutputFormats.Negotiate(FormValue.Format(format, http.Request), http.Request.GetTypedHeaders().Accept, fifAllowed: true);
        var request = new InferenceRequest(Operation.Reconstruct, form.Input(), form.Sampler(options.Value.Limits.MaxSteps), form.SeedOrRandom(),
            VoltsOutput: output == OutputFormat.Fif);
        return RespondAsync(http, form.File, request, output, service);
    }

    private static Task<PushStreamHttpResult> PreprocessAsync([AsParameters] UploadForm form,
        [FromQuery(Name = "format")] string? format, HttpContext http, InferenceService service)
    {
        var output = OutputFormats.Negotiate(FormValue.Format(format, http.Request), http.Request.GetTypedHeaders().Accept, fifAllowed: false);
        var request = new InferenceRequest(Operation.Preprocess, form.Input(), new SamplerOptions(), 0);
        return RespondAsync(http, form.File, request, output, service);
    }

    /// <summary>
    /// Runs the request, then streams the result into the response body: nothing is buffered whole after the model,
    /// and anything that can fail (volts without μ/σ) is checked before the first byte, while a problem can still be sent.
    /// </summary>
    private static async Task<PushStreamHttpResult> RespondAsync(HttpContext http, IFormFile file, InferenceRequest request,
        OutputFormat format, InferenceService service)
    {
        var timer = http.Phases();
        timer.Add("upload", timer.Elapsed); // from the start of the request to the form being read
        InferenceOutcome outcome;
        // Further file parts are the recording's companions (BrainVision .vmrk/.eeg, EEGLAB .fdt), by file name.
        var companions = http.Request.Form.Files.Where(f => !ReferenceEquals(f, file) && !string.IsNullOrEmpty(f.FileName))
            .GroupBy(f => Path.GetFileName(f.FileName), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First().OpenReadStream(), StringComparer.OrdinalIgnoreCase);
        try
        {
            await using (var upload = file.OpenReadStream())
                outcome = await service.RunWithDeadlineAsync(upload, file.FileName, request, timer, http.RequestAborted, companions);
        }
        finally
        {
            foreach (var part in companions.Values) await part.DisposeAsync();
        }
        ResultWriter.EnsureWritable(outcome, format);
        // Server-Timing goes out with the headers, before the body: the serialize phase is in the span and histogram only.
        return TypedResults.Stream(async body =>
        {
            using (timer.Measure("serialize"))
                await ResultWriter.WriteAsync(outcome, format, body, http.RequestAborted);
        }, OutputFormats.ContentType(format), OutputFormats.DownloadName(file.FileName, format, ResultWriter.ValueCount(outcome)));
    }
}
