using System.Text.Json;
using Zuna.Api.Requests;
using Zuna.Engine;
using Zuna.Engine.Fif;
using Zuna.Engine.Inference;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Formatting;

/// <summary>
/// Writes an <see cref="InferenceOutcome"/> in the format asked for, straight to a stream (an HTTP response body, a job's
/// result). Embeddings (safetensors): <c>latents</c> [E,S,32] F32, <c>tok_idx</c> [S,4] I64, <c>chan_pos</c> [C,3] F32.
/// Reconstructions: <c>reconstruction</c> [E,C,T] F32 in z-units, <c>chan_pos</c>; FIF: volts (× global_std + global_mean) at 256 Hz.
/// Preprocess: the PreprocessedFile layout. JSON mirrors the same names with nested arrays.
/// </summary>
public static class ResultWriter
{
    public static async Task WriteAsync(InferenceOutcome outcome, OutputFormat format, Stream destination, CancellationToken cancellationToken)
    {
        var op = outcome.Request.Operation;
        switch (format)
        {
            case OutputFormat.Json:
                await WriteJsonAsync(outcome, destination, cancellationToken);
                break;
            case OutputFormat.Fif:
                await FifWriter.WriteAsync(destination, ReconstructionRecording.ToVolts(outcome.Input, outcome.Output!), cancellationToken);
                break;
            case OutputFormat.Safetensors when op == Operation.Preprocess:
                await PreprocessedFile.WriteAsync(outcome.Input, destination, cancellationToken);
                break;
            default:
                await SafeTensors(outcome).WriteAsync(destination, cancellationToken);
                break;
        }
    }

    /// <summary>Fails before any byte is written when the outcome cannot be written in <paramref name="format"/>.</summary>
    public static void EnsureWritable(InferenceOutcome outcome, OutputFormat format)
    {
        if (format == OutputFormat.Fif && (outcome.Request.Operation != Operation.Reconstruct || outcome.Output is null))
            throw new InvalidOptionException("format=fif is only available for reconstructions.");
    }

    /// <summary>The whole result in memory (a job keeps it until it is fetched).</summary>
    public static async Task<byte[]> ToBytesAsync(InferenceOutcome outcome, OutputFormat format, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await WriteAsync(outcome, format, buffer, cancellationToken);
        return buffer.ToArray();
    }

    private static SafeTensorsWriter SafeTensors(InferenceOutcome outcome)
    {
        var input = outcome.Input;
        int e = input.EpochCount, c = input.ChannelCount, t = input.EpochSamples, s = c * (t / 32);
        var writer = new SafeTensorsWriter();
        if (outcome.Request.Operation == Operation.Embed)
        {
            writer.Add("latents", outcome.Output!, e, s, 32);
            writer.Add("tok_idx", Tokenizer.TokenIndex(input.ChannelPositions, c, t), s, 4);
        }
        else
        {
            writer.Add("reconstruction", outcome.Output!, e, c, t);
        }
        writer.Add("chan_pos", input.ChannelPositions, c, 3);
        return OutputMetadata.AddTo(writer, Metadata(outcome));
    }

    private static IReadOnlyList<(string Key, string Value)> Metadata(InferenceOutcome outcome) =>
        OutputMetadata.Describe(outcome.Request.Operation, outcome.Input, outcome.Model, outcome.Request.Sampler, outcome.Request.Seed);

    private static async Task WriteJsonAsync(InferenceOutcome outcome, Stream destination, CancellationToken cancellationToken)
    {
        var input = outcome.Input;
        int e = input.EpochCount, c = input.ChannelCount, t = input.EpochSamples, s = c * (t / 32);
        await using var json = new Utf8JsonWriter(destination);
        json.WriteStartObject();
        foreach (var (key, value) in Metadata(outcome))
            if (key != "channel_names") json.WriteString(key, value);
        json.WriteStartArray("channel_names");
        foreach (var name in input.ChannelNames) json.WriteStringValue(name);
        json.WriteEndArray();
        await JsonArrays.WriteAsync(json, "chan_pos", input.ChannelPositions, [c, 3], cancellationToken);
        switch (outcome.Request.Operation)
        {
            case Operation.Embed:
                await JsonArrays.WriteAsync(json, "tok_idx", Tokenizer.TokenIndex(input.ChannelPositions, c, t), [s, 4], cancellationToken);
                await JsonArrays.WriteAsync(json, "latents", outcome.Output!, [e, s, 32], cancellationToken);
                break;
            case Operation.Reconstruct:
                await JsonArrays.WriteAsync(json, "reconstruction", outcome.Output!, [e, c, t], cancellationToken);
                break;
            default:
                await JsonArrays.WriteAsync(json, "epochs", input.Epochs, [e, c, t], cancellationToken);
                break;
        }
        json.WriteEndObject();
        await json.FlushAsync(cancellationToken);
    }
}
