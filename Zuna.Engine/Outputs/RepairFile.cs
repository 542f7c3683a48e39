using System.Globalization;
using System.Text.Json;
using Zuna.Engine.Fif;
using Zuna.Engine.Inference;
using Zuna.Engine.Repair;
using Zuna.Engine.SafeTensors;

namespace Zuna.Engine.Outputs;

/// <summary>
/// The repair output. As safetensors: <c>hybrid</c>, <c>full_reconstruction</c> and <c>preprocessed</c> F32 [C, N]
/// in volts, <c>mask</c> U8 [C, N] (1 = repaired), <c>chan_pos</c> F32 [C, 3] metres; metadata <c>format</c>,
/// <c>operation</c> ("repairs"), <c>channel_names</c> (JSON, output order incl. added electrodes), <c>sfreq</c> 256,
/// <c>annotations</c> (JSON list of {onset, duration, description, ch_names}), <c>upsampled_channels</c> (JSON list),
/// <c>bads</c>, the model and sampler settings, <c>units</c> "V". As FIF: the hybrid or the full reconstruction as a
/// 256-Hz recording with the same positions, measurement date, bads and annotations.
/// </summary>
public static class RepairFile
{
    public const string HybridTensor = "hybrid", FullTensor = "full_reconstruction", PreprocessedTensor = "preprocessed", MaskTensor = "mask";

    /// <summary>Which signal a FIF output holds.</summary>
    public enum Signal { Hybrid, Full }

    public static OutputLayout Layout(RepairResult result, ModelInfo model, RepairOptions options, RepairNoise noise)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(noise);
        long c = result.ChannelCount, n = result.SampleCount;
        return new OutputLayout(
            [
                TensorToWrite.Of(HybridTensor, result.Hybrid, c, n),
                TensorToWrite.Of(FullTensor, result.Full, c, n),
                TensorToWrite.Of(PreprocessedTensor, result.PreparedSignal(), c, n),
                TensorToWrite.OfBytes(MaskTensor, "U8", result.Mask, c, n),
                TensorToWrite.Of(PreprocessedFile.PositionsTensor, result.Prepared.Positions, c, 3),
            ],
            Metadata(result, model, options, noise));
    }

    /// <summary>The annotations as the metadata lists them: onset and duration in seconds from the first output sample.</summary>
    public static string AnnotationsJson(IEnumerable<FifAnnotation> annotations) =>
        JsonSerializer.Serialize(annotations.Select(a => new Dictionary<string, object>
        {
            ["onset"] = a.Onset,
            ["duration"] = a.Duration,
            ["description"] = a.Description,
            ["ch_names"] = a.ChannelNames,
        }));

    /// <summary>The hybrid or the full reconstruction as a FIF-ready recording (rows copied out of the [C, N] array).</summary>
    public static RawRecording ToRecording(RepairResult result, Signal signal)
    {
        ArgumentNullException.ThrowIfNull(result);
        var source = signal == Signal.Hybrid ? result.Hybrid : result.Full;
        int n = result.SampleCount;
        return new RawRecording
        {
            Channels = EegChannelList.Create(result.ChannelNames, result.Prepared.Positions),
            SampleRate = Repair.PreparedRecording.SampleRate,
            SampleCount = n,
            Data = [.. Enumerable.Range(0, result.ChannelCount).Select(ch => source.AsSpan(ch * n, n).ToArray())],
            BadChannels = result.Bads,
            Annotations = result.Annotations,
            MeasurementDate = result.Prepared.MeasurementDate,
            HighPass = result.HighPassHz,
            LowPass = Repair.PreparedRecording.SampleRate / 2,
            Source = signal == Signal.Hybrid ? "zuna repair (hybrid)" : "zuna repair (full reconstruction)",
        };
    }

    private static List<(string, string)> Metadata(RepairResult result, ModelInfo model, RepairOptions options, RepairNoise noise) =>
    [
        ("format", "zuna"),
        ("operation", OperationNames.Name(Operation.Repair)),
        ("channel_names", JsonSerializer.Serialize(result.ChannelNames)),
        ("sfreq", Invariant(Repair.PreparedRecording.SampleRate)),
        ("annotations", AnnotationsJson(result.Annotations)),
        ("upsampled_channels", JsonSerializer.Serialize(result.Prepared.UpsampledChannels)),
        ("bads", JsonSerializer.Serialize(result.Bads)),
        ("segment_sec", Invariant(options.SegmentSeconds)),
        ("highpass_hz", Invariant(options.HighPassHz)),
        ("bad_token_overlap", Invariant(options.BadTokenOverlap)),
        ("model_id", model.ModelId),
        ("model_revision", model.Revision),
        ("model_sha256", model.WeightsSha256),
        ("seed", noise.IsGiven ? "given" : Invariant(noise.Seed)),
        ("steps", Invariant(options.Sampler.Steps)),
        ("sampler", options.Sampler.Sampler.Name()),
        ("cfg", Invariant(options.Sampler.Cfg)),
        ("units", "V"),
    ];

    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}
