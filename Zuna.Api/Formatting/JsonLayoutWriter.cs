using System.Globalization;
using System.Text.Json;
using Zuna.Engine.Outputs;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Formatting;

/// <summary>
/// An output layout as one JSON object: its metadata entries (channel_names as a list, numbers as numbers), then each tensor as nested arrays
/// under its safetensors name. Flushed as it is written: a reconstruction of an hour is hundreds of MB of text, which must
/// reach the client in pieces rather than sit in the writer's buffer.
/// </summary>
public static class JsonLayoutWriter
{
    private const int FlushBytes = 1 << 16;

    public static async Task WriteAsync(OutputLayout layout, Stream destination, CancellationToken cancellationToken)
    {
        await using var json = new Utf8JsonWriter(destination);
        json.WriteStartObject();
        foreach (var (key, value) in layout.Metadata)
        {
            if (key == "channel_names")
            {
                json.WritePropertyName(key);
                using var names = JsonDocument.Parse(value);
                names.WriteTo(json);
            }
            else if (OutputMetadata.IsNumber(key) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number)
                     && double.IsFinite(number))
            {
                // The invariant round-trip text is a valid JSON number; written as is, it keeps every digit (a long seed too).
                json.WritePropertyName(key);
                json.WriteRawValue(value);
            }
            else
            {
                json.WriteString(key, value);
            }
        }
        foreach (var tensor in layout.Tensors)
            await WriteTensorAsync(json, tensor, cancellationToken);
        json.WriteEndObject();
        await json.FlushAsync(cancellationToken);
    }

    private static Task WriteTensorAsync(Utf8JsonWriter json, TensorToWrite tensor, CancellationToken cancellationToken) => tensor.Dtype switch
    {
        "F32" => WriteRowsAsync(json, tensor, (w, t, start, count) => { foreach (float v in t.AsFloat32().Slice((int)start, count)) w.WriteNumberValue(v); }, cancellationToken),
        "F64" => WriteRowsAsync(json, tensor, (w, t, start, count) => { foreach (double v in t.AsFloat64().Slice((int)start, count)) w.WriteNumberValue(v); }, cancellationToken),
        "I64" => WriteRowsAsync(json, tensor, (w, t, start, count) => { foreach (long v in t.AsInt64().Slice((int)start, count)) w.WriteNumberValue(v); }, cancellationToken),
        "U8" => WriteRowsAsync(json, tensor, (w, t, start, count) => { foreach (byte v in t.AsUInt8().Slice((int)start, count)) w.WriteNumberValue(v); }, cancellationToken),
        _ => throw new NotSupportedException($"tensor '{tensor.Name}': dtype {tensor.Dtype} has no JSON form."),
    };

    /// <summary>Nested arrays of the tensor's shape, one innermost row at a time.</summary>
    private static async Task WriteRowsAsync(Utf8JsonWriter json, TensorToWrite tensor,
        Action<Utf8JsonWriter, TensorToWrite, long, int> writeRow, CancellationToken cancellationToken)
    {
        json.WritePropertyName(tensor.Name);
        var shape = tensor.Shape;
        int width = shape.Count == 0 ? 1 : (int)shape[^1], leading = Math.Max(0, shape.Count - 1);
        long rows = width == 0 ? 0 : tensor.ElementCount / width;
        if (rows == 0)
        {
            json.WriteStartArray();
            json.WriteEndArray();
            return;
        }
        var index = new long[leading];
        for (long row = 0; row < rows; row++)
        {
            // Open the arrays of every leading axis whose index (and all inner ones) just returned to 0.
            for (int axis = 0; axis < leading; axis++)
                if (index.AsSpan(axis).IndexOfAnyExcept(0L) < 0) json.WriteStartArray();
            json.WriteStartArray();
            writeRow(json, tensor, row * width, width);
            json.WriteEndArray();
            // Advance the leading index; an axis that wraps closes its array.
            for (int axis = leading - 1; axis >= 0; axis--)
            {
                if (++index[axis] < shape[axis]) break;
                index[axis] = 0;
                json.WriteEndArray();
            }
            if (json.BytesPending >= FlushBytes) await json.FlushAsync(cancellationToken);
        }
    }
}
