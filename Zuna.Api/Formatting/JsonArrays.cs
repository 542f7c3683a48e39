using System.Text.Json;

namespace Zuna.Api.Formatting;

/// <summary>
/// Row-major arrays as nested JSON arrays, flushed as they are written: a reconstruction of an hour is hundreds of MB
/// of text, which must reach the client in pieces rather than sit in the writer's buffer.
/// </summary>
internal static class JsonArrays
{
    private const int FlushBytes = 1 << 16;

    public static Task WriteAsync(Utf8JsonWriter json, string name, float[] data, int[] shape, CancellationToken cancellationToken) =>
        WriteAsync(json, name, data, shape, static (w, v) => w.WriteNumberValue(v), cancellationToken);

    public static Task WriteAsync(Utf8JsonWriter json, string name, long[] data, int[] shape, CancellationToken cancellationToken) =>
        WriteAsync(json, name, data, shape, static (w, v) => w.WriteNumberValue(v), cancellationToken);

    private static async Task WriteAsync<T>(Utf8JsonWriter json, string name, T[] data, int[] shape,
        Action<Utf8JsonWriter, T> writeValue, CancellationToken cancellationToken)
    {
        json.WritePropertyName(name);
        int width = shape[^1], leading = shape.Length - 1;
        long rows = width == 0 ? 0 : data.LongLength / width;
        if (rows == 0)
        {
            json.WriteStartArray();
            json.WriteEndArray();
            return;
        }
        var index = new int[leading];
        for (long row = 0; row < rows; row++)
        {
            // Open the arrays of every leading axis whose index (and all inner ones) just returned to 0.
            for (int axis = 0; axis < leading; axis++)
                if (index.AsSpan(axis).IndexOfAnyExcept(0) < 0) json.WriteStartArray();
            json.WriteStartArray();
            long start = row * width;
            for (int i = 0; i < width; i++) writeValue(json, data[start + i]);
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
