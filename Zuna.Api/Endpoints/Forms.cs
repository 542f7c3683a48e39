using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using Zuna.Engine;
using Zuna.Engine.Inference;
using Zuna.Engine.Input;
using Zuna.Engine.Preprocessing;

namespace Zuna.Api.Endpoints;

/// <summary>Fields every upload accepts (multipart/form-data). The forms below extend it; each field is declared once.</summary>
public class UploadForm
{
    [FromForm(Name = "file"), Description("The recording: a FIF raw file (.fif, .fif.gz), or the preprocessed safetensors layout returned by POST /v1/preprocess. Told apart by content.")]
    public required IFormFile File { get; set; }

    [FromForm(Name = "bad_channels"), Description("Channels to zero before the model sees them (the model then reconstructs them). Names separated by commas, e.g. C3,O2.")]
    public string? BadChannels { get; set; }

    [FromForm(Name = "target_channels"), Description("10-05 electrodes to add as zero channels so the model interpolates them, e.g. Cz,Pz, or a total channel count such as 32 (electrodes chosen for coverage).")]
    public string? TargetChannels { get; set; }

    [FromForm(Name = "target_head_frame"), Description("Place added electrodes in the head frame like the recorded ones (default false: the montage's own 'mri' frame, as the original ZUNA does).")]
    public bool? TargetHeadFrame { get; set; }

    // Comma-separated strings rather than string[]: ASP.NET Core 10.0 cannot bind string[] from a form, because
    // string now implements ISpanParsable and the binder rejects its TryParse signature.
    public InputOptions Input() => new(
        PreprocessOptions.Default with { BadChannels = Forms.SplitNames(BadChannels) },
        Engine.Preprocessing.TargetChannels.Parse(TargetChannels, TargetHeadFrame ?? false));
}

/// <summary>An upload plus the sampler settings of a reconstruction.</summary>
public class ReconstructionForm : UploadForm
{
    [FromForm(Name = "steps"), Description("Euler steps of the rectified-flow sampler (default 50, at most Zuna:Limits:MaxSteps)."), DefaultValue(50)]
    public int? Steps { get; set; }

    [FromForm(Name = "sampler"), Description("ODE solver: euler (default, the original's), heun, midpoint or dpm2m; steps counts solver steps (decoder evaluations: euler/dpm2m N, heun 2N-1, midpoint 2N)."), DefaultValue("euler")]
    public string? SamplerName { get; set; }

    [FromForm(Name = "cfg"), Description("Classifier-free guidance; 1 = none (default)."), DefaultValue(1.0f)]
    public float? Cfg { get; set; }

    [FromForm(Name = "seed"), Description("Seed of the initial noise; epoch e of this upload always starts from the noise of (seed, e), whatever else is batched with it. Default: random (returned in the result's metadata).")]
    public long? Seed { get; set; }

    [FromForm(Name = "data_norm"), Description("The model input is clamp(x / data_norm, -1, 1); default 10."), DefaultValue(10.0f)]
    public float? DataNorm { get; set; }

    /// <summary>The sampler settings; anything out of range is an <see cref="InvalidOptionException"/> (400).</summary>
    public SamplerOptions Sampler(int maxSteps)
    {
        var defaults = new SamplerOptions();
        var sampler = new SamplerOptions
        {
            Steps = Steps ?? defaults.Steps,
            Sampler = string.IsNullOrWhiteSpace(SamplerName) ? defaults.Sampler : SamplerKinds.Parse(SamplerName),
            Cfg = Cfg ?? defaults.Cfg,
            DataNorm = DataNorm ?? defaults.DataNorm,
        };
        if (sampler.Steps < 1 || sampler.Steps > maxSteps)
            throw new InvalidOptionException($"steps must be between 1 and {maxSteps} (got {sampler.Steps}).");
        if (!float.IsFinite(sampler.Cfg) || sampler.Cfg < 0)
            throw new InvalidOptionException($"cfg must be a finite number ≥ 0 (got {sampler.Cfg}).");
        if (!float.IsFinite(sampler.DataNorm) || sampler.DataNorm <= 0)
            throw new InvalidOptionException($"data_norm must be a finite number > 0 (got {sampler.DataNorm}).");
        return sampler;
    }

    /// <summary>The seed given, else a random one (reported in the result's metadata).</summary>
    public long SeedOrRandom() => Seed ?? Random.Shared.NextInt64(0, long.MaxValue);
}

/// <summary>A job: an operation plus everything its synchronous endpoint accepts (sampler fields apply to reconstructions).</summary>
public sealed class JobForm : ReconstructionForm
{
    [FromForm(Name = "operation"), Description("embeddings, reconstructions or preprocess."), DefaultValue("reconstructions")]
    public required string Operation { get; set; }

    [FromForm(Name = "format"), Description("Result format: safetensors (default), json, or fif (reconstructions only).")]
    public string? Format { get; set; }

    public Operation ParsedOperation() => OperationNames.TryParse(Operation, out var op)
        ? op
        : throw new InvalidOptionException($"operation must be embeddings, reconstructions or preprocess (got '{Operation}').");
}

internal static class Forms
{
    public static string[] SplitNames(string? values) =>
        values is null ? [] : values.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
