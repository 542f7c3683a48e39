namespace Zuna.Engine.Input.Arrays;

/// <summary>Units of the numbers in an array format: volts (zuna-rs's CSV, the default) or microvolts.</summary>
public enum ArrayUnits
{
    Volts,
    Microvolts,
}

/// <summary>
/// What only plain arrays need to be told (CSV/TSV, .npy, safetensors arrays): the sample rate (CSV: instead of the
/// timestamps; .npy: instead of the sidecar) and the units. Null means "not given": the file or its sidecar decides,
/// else volts. Other formats carry both themselves, so giving either for them is an error.
/// </summary>
public sealed record ArrayOptions(double? SampleRate = null, ArrayUnits? Units = null)
{
    public static ArrayOptions None { get; } = new();

    public bool IsEmpty => SampleRate is null && Units is null;

    /// <summary>"V" or "uV"/"µV" (case-insensitive); empty is null; anything else is an <see cref="InvalidOptionException"/>.</summary>
    public static ArrayUnits? ParseUnits(string? text, string field) => text?.Trim() switch
    {
        null or "" => null,
        var t when t.Equals("V", StringComparison.OrdinalIgnoreCase) => ArrayUnits.Volts,
        var t when t.Equals("uV", StringComparison.OrdinalIgnoreCase) || t.Equals("µV", StringComparison.OrdinalIgnoreCase) => ArrayUnits.Microvolts,
        var t => throw new InvalidOptionException($"{field} must be V or uV, not '{t}'."),
    };

    /// <summary>A positive, finite sample rate in Hz, or an <see cref="InvalidOptionException"/> naming the option.</summary>
    public static double? CheckSampleRate(double? sampleRate, string field) =>
        sampleRate is null || (sampleRate > 0 && double.IsFinite(sampleRate.Value) && sampleRate <= 1_000_000)
            ? sampleRate
            : throw new InvalidOptionException($"{field} must be a sample rate in Hz above 0 (at most 1 MHz), not {sampleRate}.");

    /// <summary>Volts per stored unit.</summary>
    public static double Factor(ArrayUnits units) => units == ArrayUnits.Microvolts ? 1e-6 : 1.0;
}

/// <summary>Readers of plain arrays: the only ones that take <see cref="ArrayOptions"/>.</summary>
public interface IArrayReader : IRecordingReader;
