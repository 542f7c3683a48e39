using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Zuna.Api.Hosting;
using Zuna.Api.Options;
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
            .WithDescription("Returns safetensors with `latents` [E,S,32] F32 (S = channels × 40 patches, channel-major), " +
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

    private static RouteHandlerBuilder WithUpload(this RouteHandlerBuilder endpoint) => endpoint
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

    private static Task<FileContentHttpResult> EmbedAsync([AsParameters] UploadForm form,
        [FromQuery(Name = "format")] string? format, HttpContext http, InferenceService service, IEnginePipeline engine)
    {
        var output = OutputFormats.Negotiate(format, http.Request.GetTypedHeaders().Accept, fifAllowed: false);
        var request = new InferenceRequest(Operation.Embed, form.Input(), new SamplerOptions(), 0);
        return RespondAsync(http, form.File, request, output, service, engine);
    }

    private static Task<FileContentHttpResult> ReconstructAsync([AsParameters] ReconstructionForm form,
        [FromQuery(Name = "format")] string? format, HttpContext http, InferenceService service, IEnginePipeline engine,
        IOptions<ZunaOptions> options)
    {
        var output = OutputFormats.Negotiate(format, http.Request.GetTypedHeaders().Accept, fifAllowed: true);
        var sampler = Forms.Sampler(form.Steps, form.Cfg, form.DataNorm, options.Value.Limits.MaxSteps);
        var request = new InferenceRequest(Operation.Reconstruct, form.Input(), sampler, Forms.Seed(form.Seed));
        return RespondAsync(http, form.File, request, output, service, engine);
    }

    private static Task<FileContentHttpResult> PreprocessAsync([AsParameters] UploadForm form,
        [FromQuery(Name = "format")] string? format, HttpContext http, InferenceService service, IEnginePipeline engine)
    {
        var output = OutputFormats.Negotiate(format, http.Request.GetTypedHeaders().Accept, fifAllowed: false);
        var request = new InferenceRequest(Operation.Preprocess, form.Input(), new SamplerOptions(), 0);
        return RespondAsync(http, form.File, request, output, service, engine);
    }

    private static async Task<FileContentHttpResult> RespondAsync(HttpContext http, IFormFile file, InferenceRequest request,
        OutputFormat format, InferenceService service, IEnginePipeline engine)
    {
        var timer = http.Phases();
        timer.Add("upload", timer.Elapsed); // from the start of the request to the form being read
        await using var upload = file.OpenReadStream();
        var outcome = await service.RunWithDeadlineAsync(upload, file.FileName, request, timer, http.RequestAborted);
        byte[] body;
        using (timer.Measure("serialize"))
            body = await ResultSerializer.SerializeAsync(outcome, format, engine, http.RequestAborted);
        string? download = format == OutputFormat.Json ? null
            : Path.GetFileNameWithoutExtension(file.FileName) + OutputFormats.FileExtension(format);
        return TypedResults.File(body, OutputFormats.ContentType(format), download);
    }
}
