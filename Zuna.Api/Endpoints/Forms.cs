using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using Zuna.Api.Hosting;
using Zuna.Engine;
using Zuna.Engine.Inference;

namespace Zuna.Api.Endpoints;

/// <summary>Fields every upload accepts (multipart/form-data).</summary>
public sealed class UploadForm
{
    [FromForm(Name = "file"), Description("The recording: a FIF raw file (.fif), or the preprocessed safetensors layout returned by POST /v1/preprocess. Told apart by content.")]
    public required IFormFile File { get; set; }

    [FromForm(Name = "bad_channels"), Description("Channels to zero before the model sees them (the model then reconstructs them). Names separated by commas, e.g. C3,O2.")]
    public string? BadChannels { get; set; }

    [FromForm(Name = "target_channels"), Description("10-05 electrodes to add as zero channels so the model interpolates them, e.g. Cz,Pz, or a total channel count such as 32 (electrodes chosen for coverage).")]
    public string? TargetChannels { get; set; }

    [FromForm(Name = "target_head_frame"), Description("Place added electrodes in the head frame like the recorded ones (default false: the montage's own 'mri' frame, as the original ZUNA does).")]
    public bool? TargetHeadFrame { get; set; }

    public InputOptions Input() => Forms.Input(BadChannels, TargetChannels, TargetHeadFrame);
}

/// <summary>An upload plus the sampler settings of a reconstruction.</summary>
public sealed class ReconstructionForm
{
    [FromForm(Name = "file"), Description("The recording: a FIF raw file, or the preprocessed safetensors layout.")]
    public required IFormFile File { get; set; }

    [FromForm(Name = "bad_channels"), Description("Channels to zero (and so reconstruct), e.g. C3,O2.")]
    public string? BadChannels { get; set; }

    [FromForm(Name = "target_channels"), Description("10-05 electrodes to add and interpolate, e.g. Cz,Pz, or a total channel count such as 32 (electrodes chosen for coverage).")]
    public string? TargetChannels { get; set; }

    [FromForm(Name = "target_head_frame"), Description("Place added electrodes in the head frame like the recorded ones (default false: the montage's own 'mri' frame, as the original ZUNA does).")]
    public bool? TargetHeadFrame { get; set; }

    [FromForm(Name = "steps"), Description("Euler steps of the rectified-flow sampler (default 50, at most Zuna:Limits:MaxSteps)."), DefaultValue(50)]
    public int? Steps { get; set; }

    [FromForm(Name = "cfg"), Description("Classifier-free guidance; 1 = none (default)."), DefaultValue(1.0f)]
    public float? Cfg { get; set; }

    [FromForm(Name = "seed"), Description("Seed of the initial noise; epoch e of this upload always starts from the noise of (seed, e), whatever else is batched with it. Default: random (returned in the result's metadata).")]
    public long? Seed { get; set; }

    [FromForm(Name = "data_norm"), Description("The model input is clamp(x / data_norm, -1, 1); default 10."), DefaultValue(10.0f)]
    public float? DataNorm { get; set; }

    public InputOptions Input() => Forms.Input(BadChannels, TargetChannels, TargetHeadFrame);
}

/// <summary>A job: an operation plus everything its synchronous endpoint accepts.</summary>
public sealed class JobForm
{
    [FromForm(Name = "operation"), Description("embeddings, reconstructions or preprocess."), DefaultValue("reconstructions")]
    public required string Operation { get; set; }

    [FromForm(Name = "file"), Description("The recording: a FIF raw file, or the preprocessed safetensors layout.")]
    public required IFormFile File { get; set; }

    [FromForm(Name = "bad_channels"), Description("Channels to zero (and so reconstruct).")]
    public string? BadChannels { get; set; }

    [FromForm(Name = "target_channels"), Description("10-05 electrodes to add and interpolate.")]
    public string? TargetChannels { get; set; }

    [FromForm(Name = "target_head_frame"), Description("Place added electrodes in the head frame like the recorded ones (default false: the montage's own 'mri' frame, as the original ZUNA does).")]
    public bool? TargetHeadFrame { get; set; }

    [FromForm(Name = "steps"), Description("Reconstructions: Euler steps (default 50).")]
    public int? Steps { get; set; }

    [FromForm(Name = "cfg"), Description("Reconstructions: classifier-free guidance (default 1).")]
    public float? Cfg { get; set; }

    [FromForm(Name = "seed"), Description("Reconstructions: noise seed (default random).")]
    public long? Seed { get; set; }

    [FromForm(Name = "data_norm"), Description("Reconstructions: input scale (default 10).")]
    public float? DataNorm { get; set; }

    [FromForm(Name = "format"), Description("Result format: safetensors (default), json, or fif (reconstructions only).")]
    public string? Format { get; set; }
}

/// <summary>Option parsing shared by the forms; anything out of range is an <see cref="InvalidOptionException"/> (400).</summary>
public static class Forms
{
    // Comma-separated strings rather than string[]: ASP.NET Core 10.0 cannot bind string[] from a form, because
    // string now implements ISpanParsable and the binder rejects its TryParse signature.
    public static InputOptions Input(string? bad, string? target, bool? headFrame) =>
        new(SplitNames(bad), Engine.Preprocessing.TargetChannels.Parse(target, headFrame ?? false));

    public static SamplerOptions Sampler(int? steps, float? cfg, float? dataNorm, int maxSteps)
    {
        var defaults = new SamplerOptions();
        var sampler = new SamplerOptions
        {
            Steps = steps ?? defaults.Steps,
            Cfg = cfg ?? defaults.Cfg,
            DataNorm = dataNorm ?? defaults.DataNorm,
        };
        if (sampler.Steps < 1 || sampler.Steps > maxSteps)
            throw new InvalidOptionException($"steps must be between 1 and {maxSteps} (got {sampler.Steps}).");
        if (!float.IsFinite(sampler.Cfg) || sampler.Cfg < 0)
            throw new InvalidOptionException($"cfg must be a finite number ≥ 0 (got {sampler.Cfg}).");
        if (!float.IsFinite(sampler.DataNorm) || sampler.DataNorm <= 0)
            throw new InvalidOptionException($"data_norm must be a finite number > 0 (got {sampler.DataNorm}).");
        return sampler;
    }

    public static long Seed(long? seed) => seed ?? Random.Shared.NextInt64(0, long.MaxValue);

    private static string[] SplitNames(string? values) =>
        values is null ? [] : values.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
