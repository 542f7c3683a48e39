using Zuna.Api.Requests;
using Zuna.Engine.Fif;
using Zuna.Engine.Outputs;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Formatting;

/// <summary>
/// Writes a <see cref="RepairOutcome"/> in the format asked for: the <see cref="RepairFile"/> layout as safetensors or
/// JSON, or the hybrid recording as FIF. POST /v1/repairs streams it to the response, a repair job to its stored result,
/// so both answer the same bytes for the same request and seed.
/// </summary>
public static class RepairResultWriter
{
    public static Task WriteAsync(RepairOutcome outcome, OutputFormat format, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (format == OutputFormat.Fif)
            return FifWriter.WriteAsync(destination, RepairFile.ToRecording(outcome.Result, RepairFile.Signal.Hybrid), cancellationToken);
        var layout = RepairFile.Layout(outcome.Result, outcome.Model, outcome.Options, outcome.Noise);
        return format == OutputFormat.Json
            ? JsonLayoutWriter.WriteAsync(layout, destination, cancellationToken)
            : SafeTensorsWriter.From(layout).WriteAsync(destination, cancellationToken);
    }
}
