using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Zuna.Api.Formatting;
using Zuna.Api.Options;
using Zuna.Api.Requests;
using Zuna.Api.Telemetry;

namespace Zuna.Api.Endpoints;

/// <summary>POST /v1/repairs: ZUNA1.1's reconstruct_fif over HTTP.</summary>
public static class RepairsApi
{
    public static RouteGroupBuilder MapRepairsApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/repairs", RepairAsync)
            .WithName("CreateRepair")
            .WithSummary("Repair bad channels and bad time spans, add electrodes (ZUNA1.1)")
            .WithDescription("Needs a ZUNA1.1 model (422 otherwise). Returns safetensors with `hybrid` (the recording, repaired cells " +
                             "replaced), `full_reconstruction`, `preprocessed` [C,N] F32 volts at 256 Hz, `mask` [C,N] U8 and `chan_pos` " +
                             "[C,3]; metadata `channel_names`, `sfreq`, `annotations` (ZUNA1.1_infilled spans), `upsampled_channels`. " +
                             "`?format=fif` returns the hybrid as a FIF raw file with those annotations; `?format=json` returns JSON.")
            .WithUpload()
            .Produces(StatusCodes.Status200OK, contentType: OutputFormats.FifContentType);
        return v1;
    }

    private static async Task<PushStreamHttpResult> RepairAsync([AsParameters] RepairForm form, [FromQuery(Name = "format")] string? format,
        HttpContext http, RepairService service, IOptions<ZunaOptions> options)
    {
        var output = OutputFormats.Negotiate(FormValue.Format(format, http.Request), http.Request.GetTypedHeaders().Accept, fifAllowed: true);
        var repair = form.Options(options.Value.Limits.MaxSteps, form.SeedOrRandom());
        var timer = http.Phases();
        RepairOutcome outcome;
        await using (var upload = form.File.OpenReadStream())
            outcome = await service.RunAsync(upload, form.File.FileName, repair, timer, null, http.RequestAborted);
        // Header values must be ASCII: other characters of a channel name become '?'.
        foreach (string warning in outcome.Warnings)
            http.Response.Headers.Append("Zuna-Warning", new string([.. warning.Select(ch => ch is >= ' ' and <= '~' ? ch : '?')]));
        return TypedResults.Stream(async body =>
        {
            using (timer.Measure("serialize"))
                await RepairResultWriter.WriteAsync(outcome, output, body, http.RequestAborted);
        }, OutputFormats.ContentType(output), OutputFormats.DownloadName(form.File.FileName, output));
    }
}
