using System.Text.Json;
using Zuna.Api.Hosting;
using Zuna.Engine.Inference;
using Zuna.Engine.Outputs;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Endpoints;

/// <summary>
/// Turns an <see cref="InferenceOutcome"/> into response bytes.
/// Embeddings (safetensors): <c>latents</c> [E,S,32] F32, <c>tok_idx</c> [S,4] I64, <c>chan_pos</c> [C,3] F32.
/// Reconstructions: <c>reconstruction</c> [E,C,T] F32 in z-units, <c>chan_pos</c>; FIF: volts (× global_std + global_mean) at 256 Hz.
/// Preprocess: the PreprocessedFile layout. Metadata (strings) carries channel names, μ/σ, model and sampler settings.
/// JSON mirrors the same names with nested arrays.
/// </summary>
public static class ResultSerializer
{
    public static async Task<byte[]> SerializeAsync(InferenceOutcome outcome, OutputFormat format, IEnginePipeline engine, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var op = outcome.Request.Operation;
        switch (format)
        {
            case OutputFormat.Json:
                WriteJson(outcome, buffer);
                break;
            case OutputFormat.Fif:
                await engine.WriteFifAsync(outcome.Input, outcome.Output!, buffer, cancellationToken);
                break;
            case OutputFormat.Safetensors when op == Operation.Preprocess:
                await engine.WritePreprocessedAsync(outcome.Input, buffer, cancellationToken);
                break;
            default:
                await SafeTensors(outcome).WriteAsync(buffer, cancellationToken);
                break;
        }
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
        return writer.Metadata(Metadata(outcome));
    }

    private static IReadOnlyList<(string Key, string Value)> Metadata(InferenceOutcome outcome) =>
        OutputMetadata.Describe(outcome.Request.Operation, outcome.Input, outcome.Model, outcome.Request.Sampler, outcome.Request.Seed);

    private static void WriteJson(InferenceOutcome outcome, Stream destination)
    {
        var input = outcome.Input;
        int e = input.EpochCount, c = input.ChannelCount, t = input.EpochSamples, s = c * (t / 32);
        using var json = new Utf8JsonWriter(destination);
        json.WriteStartObject();
        foreach (var (key, value) in Metadata(outcome))
            if (key != "channel_names") json.WriteString(key, value);
        json.WriteStartArray("channel_names");
        foreach (var name in input.ChannelNames) json.WriteStringValue(name);
        json.WriteEndArray();
        WriteNested(json, "chan_pos", input.ChannelPositions, [c, 3]);
        switch (outcome.Request.Operation)
        {
            case Operation.Embed:
                WriteNested(json, "tok_idx", Tokenizer.TokenIndex(input.ChannelPositions, c, t).Select(v => (float)v).ToArray(), [s, 4]);
                WriteNested(json, "latents", outcome.Output!, [e, s, 32]);
                break;
            case Operation.Reconstruct:
                WriteNested(json, "reconstruction", outcome.Output!, [e, c, t]);
                break;
            default:
                WriteNested(json, "epochs", input.Epochs, [e, c, t]);
                break;
        }
        json.WriteEndObject();
    }

    /// <summary>A row-major array as nested JSON arrays of the given shape.</summary>
    private static void WriteNested(Utf8JsonWriter json, string name, float[] data, int[] shape)
    {
        json.WritePropertyName(name);
        int offset = 0;
        Write(0);

        void Write(int axis)
        {
            json.WriteStartArray();
            for (int i = 0; i < shape[axis]; i++)
            {
                if (axis == shape.Length - 1) json.WriteNumberValue(data[offset++]);
                else Write(axis + 1);
            }
            json.WriteEndArray();
        }
    }
}
