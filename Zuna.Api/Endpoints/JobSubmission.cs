using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Zuna.Api.Formatting;
using Zuna.Api.Jobs;
using Zuna.Api.Options;
using Zuna.Api.Requests;
using Zuna.Engine.Inference;
using Zuna.Engine.Repair;

namespace Zuna.Api.Endpoints;

/// <summary>Turns a job form (and its files) into jobs for the store; shared by POST /v1/jobs and POST /v1/batches.</summary>
internal sealed class JobSubmission
{
    private readonly JobForm _form;
    private readonly Operation _operation;
    private readonly string _request;
    private readonly OutputFormat _format;

    /// <summary>
    /// Validates every field now, so a bad option is a 400 at submission rather than a failed job later. A repair on a
    /// loaded ZUNA 1.0 <paramref name="model"/> is the 422 of POST /v1/repairs now; while no model is loaded yet, the job
    /// fails with that problem when it runs.
    /// </summary>
    public JobSubmission(JobForm form, HttpContext http, ZunaOptions options, ModelInfo? model)
    {
        _form = form;
        _operation = form.ParsedOperation();
        _format = OutputFormats.Negotiate(FormValue.Text(form.Format) ?? http.Request.Query["format"], [],
            fifAllowed: _operation is Operation.Reconstruct or Operation.Repair);
        if (_operation == Operation.Repair)
        {
            _request = RepairJob.Request(form.Options(options.Limits.MaxSteps, form.SeedOrRandom()));
            if (model is not null) RepairModelGate.EnsureZuna11(model);
            return;
        }
        var sampler = _operation == Operation.Reconstruct ? form.Sampler(options.Limits.MaxSteps) : new SamplerOptions();
        _request = JsonSerializer.Serialize(new InferenceRequest(_operation, form.Input(), sampler, form.SeedOrRandom(), VoltsOutput: _format == OutputFormat.Fif));
    }

    /// <summary>A job for one uploaded file. <paramref name="hashContent"/>: include the file's bytes in the fingerprint (Idempotency-Key).</summary>
    public async Task<NewJob> JobAsync(IFormFile file, bool hashContent, CancellationToken cancellationToken)
    {
        string? hash = null;
        if (hashContent)
        {
            await using var content = file.OpenReadStream();
            hash = Convert.ToHexString(await SHA256.HashDataAsync(content, cancellationToken));
        }
        return Job(file.FileName, [], hash, file.OpenReadStream);
    }

    /// <summary>A job for a recording with companion files, stored as one zip of them all (see <see cref="UploadParts"/>).</summary>
    public async Task<NewJob> JobAsync(IFormFile file, IReadOnlyList<IFormFile> companions, bool hashContent, CancellationToken cancellationToken)
    {
        if (companions.Count == 0) return await JobAsync(file, hashContent, cancellationToken);
        byte[] bundle = await UploadParts.BundleAsync(file, companions, cancellationToken);
        return Job(file.FileName, companions.Select(c => c.FileName), hashContent ? Convert.ToHexString(SHA256.HashData(bundle)) : null,
            () => new MemoryStream(bundle, writable: false));
    }

    private NewJob Job(string fileName, IEnumerable<string> companionNames, string? contentHash, Func<Stream> open)
    {
        var text = new StringBuilder(Parameters()).Append('\n').Append(fileName).Append('\n');
        foreach (string companion in companionNames) text.Append(companion).Append('\n');
        text.Append(contentHash);
        string fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
        return new NewJob(Guid.NewGuid(), OperationNames.Name(_operation), _format.ToString().ToLowerInvariant(), fileName,
            _request, fingerprint, open);
    }

    /// <summary>The fields as the client sent them (not the random seed drawn when none was given), so a retry matches.</summary>
    /// <remarks>The repair fields (and the sampler, which the older fields omit) join only for repairs, and the array fields
    /// only when given, so the fingerprints of other jobs stay what they were.</remarks>
    private string Parameters() => string.Join('|',
        _form.OperationText, _form.Format, _form.BadChannelsText, _form.TargetChannelsText, _form.TargetHeadFrameText, _form.StepsText,
        _form.CfgText, _form.SeedText, _form.DataNormText) + (_operation != Operation.Repair ? "" : "|" + string.Join('|',
        _form.SamplerName, _form.SegmentSecText, _form.HighPassHzText, _form.RepairChannelsText, _form.BadSegmentsText,
        _form.BadTokenOverlapText, _form.UseFifAnnotationsText))
        + (string.IsNullOrEmpty(_form.SampleRateText) && string.IsNullOrEmpty(_form.UnitsText) ? "" : $"|{_form.SampleRateText}|{_form.UnitsText}");
}
