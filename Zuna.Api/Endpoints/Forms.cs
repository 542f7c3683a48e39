using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using Zuna.Engine;
using Zuna.Engine.Inference;
using Zuna.Engine.Input;
using Zuna.Engine.Input.Arrays;
using Zuna.Engine.Preprocessing;

namespace Zuna.Api.Endpoints;

/// <summary>
/// Fields every upload accepts (multipart/form-data). The forms below extend it; each field is declared once.
/// Every field arrives as text and is parsed here, not by the framework's binder: an empty value means "not given"
/// (Swagger UI sends empty fields), and a value that does not parse is an <see cref="InvalidOptionException"/> naming
/// the field as the client sent it. <see cref="FormFieldAttribute"/> tells the OpenAPI document each field's type.
/// </summary>
public class UploadForm
{
    [FromForm(Name = "file"), FormField(FormFieldType.Binary, Required = true)]
    [Description("The recording, told apart by content, then by name: FIF raw (.fif, .fif.gz) or epochs (-epo.fif), EDF/EDF+, BDF/BDF+, BrainVision (.vhdr), EEGLAB (.set, MAT v5 or v7.3), CSV/TSV, NumPy .npy, a safetensors array, or the preprocessed safetensors layout returned by POST /v1/preprocess. A zip of a recording and its companion files works too.")]
    public IFormFile? Upload { get; set; }

    [FromForm(Name = "parts"), FormField(FormFieldType.Binary)]
    [Description("Companion files of the recording, one more file part each (repeat the field): a BrainVision .vhdr's .vmrk and .eeg, an EEGLAB .set's .fdt, a .npy's .json sidecar. Found by the file names the recording uses. In POST /v1/batches each part goes with the `file` of the same file stem (name without its last extension; with one `file`, all parts go with it).")]
    public IFormFile? Parts { get; set; }

    [FromForm(Name = "bad_channels"), FormField(FormFieldType.Text, Example = "C3,O2")]
    [Description("Channels to zero before the model sees them (the model then reconstructs them), separated by commas. Empty: none.")]
    public string? BadChannelsText { get; set; }

    [FromForm(Name = "target_channels"), FormField(FormFieldType.Text, Example = "Cz,Pz")]
    [Description("10-05 electrodes to add as zero channels so the model interpolates them (Cz,Pz), or a total channel count such as 32 (electrodes chosen for coverage). Empty: none.")]
    public string? TargetChannelsText { get; set; }

    [FromForm(Name = "target_head_frame"), FormField(FormFieldType.Boolean, Example = "false")]
    [Description("Place added electrodes in the head frame like the recorded ones (default false: the montage's own 'mri' frame, as the original ZUNA does).")]
    public string? TargetHeadFrameText { get; set; }

    [FromForm(Name = "sfreq"), FormField(FormFieldType.Number, Example = "250")]
    [Description("Sample rate in Hz of a plain array: a CSV/TSV without a timestamp column (else the timestamps give it), a .npy (wins over its sidecar) or a safetensors array. An error for other formats, which state their own. Empty: from the file.")]
    public string? SampleRateText { get; set; }

    [FromForm(Name = "units"), FormField(FormFieldType.Text, Example = "uV", Allowed = ["V", "uV"])]
    [Description("Units of a plain array's values (CSV/TSV, .npy, safetensors array): V or uV. An error for other formats. Empty: the file's own, else V.")]
    public string? UnitsText { get; set; }

    /// <summary>The uploaded file; its absence is a 400 that names the field.</summary>
    public IFormFile File => Upload ?? throw new InvalidOptionException(
        "the form field 'file' is required: attach the recording as a multipart/form-data file field named 'file'.");

    public bool TargetHeadFrame => FormValue.Bool(TargetHeadFrameText, "target_head_frame") ?? false;

    public InputOptions Input() => new(
        PreprocessOptions.Default with { BadChannels = FormValue.Names(BadChannelsText) },
        TargetChannels.Parse(FormValue.Text(TargetChannelsText), TargetHeadFrame)) { Arrays = Arrays() };

    /// <summary>sfreq and units, checked (a 400 naming the field when out of range).</summary>
    public ArrayOptions Arrays() => new(
        ArrayOptions.CheckSampleRate(FormValue.Float(SampleRateText, "sfreq"), "sfreq"),
        ArrayOptions.ParseUnits(FormValue.Text(UnitsText), "units"));
}

/// <summary>An upload plus the sampler settings of a reconstruction.</summary>
public class ReconstructionForm : UploadForm
{
    [FromForm(Name = "steps"), FormField(FormFieldType.Integer, Example = "50")]
    [Description("Euler steps of the rectified-flow sampler: 1 to Zuna:Limits:MaxSteps. Empty: 50.")]
    public string? StepsText { get; set; }

    [FromForm(Name = "sampler"), FormField(FormFieldType.Text, Example = "midpoint", Allowed = ["euler", "heun", "midpoint", "dpm2m"])]
    [Description("ODE solver: euler (the original's), heun, midpoint or dpm2m; steps counts solver steps (decoder evaluations: euler/dpm2m N, heun 2N-1, midpoint 2N). Empty: euler.")]
    public string? SamplerName { get; set; }

    [FromForm(Name = "cfg"), FormField(FormFieldType.Number, Example = "1.0")]
    [Description("Classifier-free guidance, ≥ 0; 1 = none. Empty: 1.")]
    public string? CfgText { get; set; }

    [FromForm(Name = "seed"), FormField(FormFieldType.Integer, Example = "1234", Format = "int64")]
    [Description("Seed of the initial noise; epoch e of this upload always starts from the noise of (seed, e), whatever else is batched with it. Empty: random (returned in the result's metadata).")]
    public string? SeedText { get; set; }

    [FromForm(Name = "data_norm"), FormField(FormFieldType.Number, Example = "10")]
    [Description("The model input is clamp(x / data_norm, -1, 1), x in z-units; > 0. Empty: 10.")]
    public string? DataNormText { get; set; }

    public int? Steps => FormValue.Int(StepsText, "steps");
    public float? Cfg => FormValue.Float(CfgText, "cfg");
    public long? Seed => FormValue.Long(SeedText, "seed");
    public float? DataNorm => FormValue.Float(DataNormText, "data_norm");

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
    /// <remarks>Random seeds stay below 2^53, so they survive a JSON reader that parses numbers as doubles (JavaScript).</remarks>
    public long SeedOrRandom() => Seed ?? Random.Shared.NextInt64(0, 1L << 53);
}

/// <summary>
/// A job: an operation plus everything its synchronous endpoint accepts (sampler fields apply to reconstructions and
/// repairs, the repair fields to repairs). A repair job takes the fields of POST /v1/repairs, so the form extends that one.
/// </summary>
public sealed class JobForm : RepairForm
{
    [FromForm(Name = "operation"), FormField(FormFieldType.Text, Required = true, Example = "embeddings", Allowed = ["embeddings", "reconstructions", "preprocess", "repairs"])]
    [Description("What to run: embeddings, reconstructions, preprocess or repairs (ZUNA1.1 reconstruct_fif, as POST /v1/repairs).")]
    public string? OperationText { get; set; }

    [FromForm(Name = "format"), FormField(FormFieldType.Text, Example = "safetensors", Allowed = ["safetensors", "json", "fif"])]
    [Description("Result format: safetensors, json, or fif (reconstructions, and repairs: the hybrid recording). Empty: safetensors.")]
    public string? Format { get; set; }

    public Operation ParsedOperation() => FormValue.Text(OperationText) switch
    {
        null => throw new InvalidOptionException("the form field 'operation' is required: embeddings, reconstructions, preprocess or repairs."),
        var text when OperationNames.TryParse(text, out var op) => op,
        var text => throw new InvalidOptionException($"operation must be embeddings, reconstructions, preprocess or repairs (got '{text}')."),
    };
}

/// <summary>A repair (ZUNA1.1 reconstruct_fif): the upload, target channels and sampler fields, plus the repair settings.</summary>
public class RepairForm : ReconstructionForm
{
    [FromForm(Name = "segment_sec"), FormField(FormFieldType.Number, Example = "5")]
    [Description("Window length in seconds (at most 32); the last, shorter window is kept. Empty: 5.")]
    public string? SegmentSecText { get; set; }

    [FromForm(Name = "highpass_hz"), FormField(FormFieldType.Number, Example = "0.5")]
    [Description("FIR high-pass cut-off in Hz. Empty: 0.5.")]
    public string? HighPassHzText { get; set; }

    [FromForm(Name = "repair_channels"), FormField(FormFieldType.Text, Example = "O1,C3")]
    [Description("Channels to repair over the whole recording, comma-separated, case-insensitive; unknown names are ignored. Empty: none.")]
    public string? RepairChannelsText { get; set; }

    [FromForm(Name = "bad_segments"), FormField(FormFieldType.Text, Example = "10.0-10.7,2.2-2.3:C4")]
    [Description("Bad spans in seconds from the first sample, start-stop[:channel], comma-separated. Empty: none.")]
    public string? BadSegmentsText { get; set; }

    [FromForm(Name = "bad_token_overlap"), FormField(FormFieldType.Number, Example = "0.5")]
    [Description("A 0.125-s token is repaired when more than this fraction of it is bad. Empty: 0 (any overlap).")]
    public string? BadTokenOverlapText { get; set; }

    [FromForm(Name = "use_fif_annotations"), FormField(FormFieldType.Boolean, Example = "true", BooleanDefault = true)]
    [Description("Repair the spans of the recording's BAD* annotations. Empty: true.")]
    public string? UseFifAnnotationsText { get; set; }

    /// <summary>The repair settings; anything out of range is an <see cref="InvalidOptionException"/> (400).</summary>
    public Engine.Repair.RepairOptions Options(int maxSteps, long seed)
    {
        var defaults = Engine.Repair.RepairOptions.Default;
        var options = new Engine.Repair.RepairOptions
        {
            SegmentSeconds = FormValue.Float(SegmentSecText, "segment_sec") ?? defaults.SegmentSeconds,
            HighPassHz = FormValue.Float(HighPassHzText, "highpass_hz") ?? defaults.HighPassHz,
            // bad_channels of the base form mean the same here: channels to repair throughout.
            RepairChannels = [.. FormValue.Names(RepairChannelsText), .. FormValue.Names(BadChannelsText)],
            BadSegments = Engine.Repair.BadSegment.ParseList(FormValue.Text(BadSegmentsText)),
            BadTokenOverlap = FormValue.Float(BadTokenOverlapText, "bad_token_overlap") ?? defaults.BadTokenOverlap,
            UseFifAnnotations = FormValue.Bool(UseFifAnnotationsText, "use_fif_annotations") ?? true,
            Targets = TargetChannels.Parse(FormValue.Text(TargetChannelsText)),
            Sampler = Sampler(maxSteps) with { DataNorm = 10f },
            Seed = seed,
            Arrays = Arrays(),
        };
        options.Validate();
        return options;
    }
}
