using Zuna.Api.Requests;
using Zuna.Engine;
using Zuna.Engine.Fif;
using Zuna.Engine.Inference;
using Zuna.Engine.Outputs;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Formatting;

/// <summary>
/// Writes an <see cref="InferenceOutcome"/> in the format asked for, straight to a stream (an HTTP response body, a job's
/// result). The tensors and metadata are the engine's output layouts (<see cref="PreprocessedFile"/>,
/// <see cref="EmbeddingFile"/>, <see cref="ReconstructionFile"/>), the same the CLI writes; safetensors and JSON are two
/// spellings of one layout, FIF is a reconstruction in volts.
/// </summary>
public static class ResultWriter
{
    public static Task WriteAsync(InferenceOutcome outcome, OutputFormat format, Stream destination, CancellationToken cancellationToken) =>
        format switch
        {
            OutputFormat.Json => JsonLayoutWriter.WriteAsync(Layout(outcome), destination, cancellationToken),
            OutputFormat.Fif => FifWriter.WriteAsync(destination, ReconstructionFile.ToRecording(outcome.Input, outcome.Output!), cancellationToken),
            _ => SafeTensorsWriter.From(Layout(outcome)).WriteAsync(destination, cancellationToken),
        };

    /// <summary>Fails before any byte is written when the outcome cannot be written in <paramref name="format"/>.</summary>
    public static void EnsureWritable(InferenceOutcome outcome, OutputFormat format)
    {
        if (format != OutputFormat.Fif) return;
        if (outcome.Request.Operation != Operation.Reconstruct || outcome.Output is null)
            throw new InvalidOptionException("format=fif is only available for reconstructions.");
        ReconstructionFile.EnsureVoltsScale(outcome.Input);
    }

    /// <summary>How many numbers the result holds (its size in JSON is about 10 bytes each).</summary>
    public static long ValueCount(InferenceOutcome outcome) => outcome.Input.Epochs.LongLength + (outcome.Output?.LongLength ?? 0);

    private static OutputLayout Layout(InferenceOutcome outcome)
    {
        var (request, input, output, model) = (outcome.Request, outcome.Input, outcome.Output, outcome.Model);
        return request.Operation switch
        {
            Operation.Preprocess => PreprocessedFile.Layout(input),
            Operation.Embed => EmbeddingFile.Layout(input, output!,
                Tokenizer.TokenIndex(input.ChannelPositions, input.ChannelCount, input.EpochSamples, TokenLayout.For(model!)), model!),
            _ => ReconstructionFile.Layout(input, output!, model!, request.Sampler, request.Seed),
        };
    }
}
