using Microsoft.Net.Http.Headers;
using Zuna.Engine;

namespace Zuna.Api.Formatting;

/// <summary>
/// How a result is returned. Chosen by <c>?format=safetensors|json|fif</c>, else by the Accept header
/// (application/json → JSON; application/x-fif → FIF), else safetensors.
/// </summary>
public enum OutputFormat { Safetensors, Json, Fif }

public static class OutputFormats
{
    public const string SafetensorsContentType = "application/octet-stream";
    public const string FifContentType = "application/x-fif";
    public const string JsonContentType = "application/json";

    public static string ContentType(OutputFormat format) => format switch
    {
        OutputFormat.Json => JsonContentType,
        OutputFormat.Fif => FifContentType,
        _ => SafetensorsContentType,
    };

    public static string FileExtension(OutputFormat format) => format switch
    {
        OutputFormat.Json => ".json",
        OutputFormat.Fif => "_recon_raw.fif", // MNE expects raw files to end in raw.fif; "recon" says what changed
        _ => ".safetensors",
    };

    /// <summary>
    /// JSON results up to this many values are shown inline; larger ones are sent as an attachment, so a browser (Swagger
    /// UI) offers a download instead of rendering megabytes of numbers.
    /// </summary>
    public const long InlineJsonValues = 10_000;

    /// <summary>
    /// The attachment name of a result: the upload's name without its endings (.gz, .fif, .safetensors, and MNE's
    /// raw/-raw/_raw marker) plus the format's ending, so x_raw.fif gives x_recon_raw.fif, never x_raw_raw.fif.
    /// Null (shown inline) for JSON of at most <see cref="InlineJsonValues"/> values.
    /// </summary>
    public static string? DownloadName(string uploadName, OutputFormat format, long values = long.MaxValue) =>
        format == OutputFormat.Json && values <= InlineJsonValues ? null : Stem(uploadName) + FileExtension(format);

    private static string Stem(string uploadName)
    {
        string name = Path.GetFileName(uploadName);
        foreach (string ending in new[] { ".gz", ".fif", ".safetensors", ".json" })
            if (name.EndsWith(ending, StringComparison.OrdinalIgnoreCase)) name = name[..^ending.Length];
        foreach (string marker in new[] { "_raw", "-raw", ".raw" })
            if (name.Length > marker.Length && name.EndsWith(marker, StringComparison.OrdinalIgnoreCase)) return name[..^marker.Length];
        return name.Length > 0 ? name : "result";
    }

    /// <summary>The format to answer in; <paramref name="fifAllowed"/> is true only for reconstructions.</summary>
    public static OutputFormat Negotiate(string? format, IList<MediaTypeHeaderValue> accept, bool fifAllowed)
    {
        if (!string.IsNullOrWhiteSpace(format))
        {
            var chosen = format.Trim().ToLowerInvariant() switch
            {
                "safetensors" => OutputFormat.Safetensors,
                "json" => OutputFormat.Json,
                "fif" => OutputFormat.Fif,
                _ => throw new InvalidOptionException($"format must be safetensors, json or fif (got '{format}')."),
            };
            if (chosen == OutputFormat.Fif && !fifAllowed)
                throw new InvalidOptionException("format=fif is only available for reconstructions.");
            return chosen;
        }
        foreach (var media in accept.OrderByDescending(m => m.Quality ?? 1))
        {
            if (media.MediaType.Equals(JsonContentType, StringComparison.OrdinalIgnoreCase)) return OutputFormat.Json;
            if (fifAllowed && media.MediaType.Equals(FifContentType, StringComparison.OrdinalIgnoreCase)) return OutputFormat.Fif;
            if (media.MediaType.Equals(SafetensorsContentType, StringComparison.OrdinalIgnoreCase)) return OutputFormat.Safetensors;
        }
        return OutputFormat.Safetensors;
    }
}
