using System.Text.Json;

namespace Zuna.Engine.Input.Arrays;

/// <summary>
/// What a bare array does not say about itself, in a JSON file beside it named after it (<c>rec.npy</c> →
/// <c>rec.json</c>): <c>{"channel_names": ["Fp1", …], "sfreq": 250, "units": "uV"}</c>. channel_names is required
/// (one per row); sfreq is required unless given as an option; units defaults to V. Options override the sidecar.
/// </summary>
public sealed record ArraySidecar(string[] ChannelNames, double? SampleRate, ArrayUnits? Units)
{
    private const int MaxBytes = 16 << 20;

    public static string NameFor(string arrayFile) => Path.GetFileNameWithoutExtension(arrayFile) + ".json";

    public static ArraySidecar Read(RecordingSource source)
    {
        string sidecar = NameFor(source.Name);
        using var stream = source.OpenCompanion(sidecar)
            ?? throw new RecordingFormatException($"{source.Name}: needs its channel names in '{sidecar}' beside it (or as another part of the upload): {{\"channel_names\": [\"Fp1\", …], \"sfreq\": 250, \"units\": \"V\"}}.");
        if (stream.Length > MaxBytes) throw new RecordingFormatException($"{sidecar}: {stream.Length} bytes is too large for a sidecar.");
        try
        {
            using var document = JsonDocument.Parse(stream);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new RecordingFormatException($"{sidecar}: must be a JSON object.");
            if (!root.TryGetProperty("channel_names", out var names) || names.ValueKind != JsonValueKind.Array
                || names.EnumerateArray().Any(n => n.ValueKind != JsonValueKind.String))
                throw new RecordingFormatException($"{sidecar}: 'channel_names' must be a list of strings.");
            double? rate = null;
            if (root.TryGetProperty("sfreq", out var sfreq))
                rate = sfreq.ValueKind == JsonValueKind.Number ? sfreq.GetDouble() : throw new RecordingFormatException($"{sidecar}: 'sfreq' must be a number.");
            ArrayUnits? units = root.TryGetProperty("units", out var u) ? ArrayOptions.ParseUnits(u.ToString(), $"{sidecar}: 'units'") : null;
            return new ArraySidecar(names.EnumerateArray().Select(n => n.GetString()!).ToArray(), rate, units);
        }
        catch (JsonException e) { throw new RecordingFormatException($"{sidecar}: not valid JSON ({e.Message}).", e); }
    }
}
