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
        OutputFormat.Fif => "_raw.fif",
        _ => ".safetensors",
    };

    /// <summary>The attachment name of a result: the upload's name with the format's ending; JSON is shown inline.</summary>
    public static string? DownloadName(string uploadName, OutputFormat format) =>
        format == OutputFormat.Json ? null : Path.GetFileNameWithoutExtension(uploadName) + FileExtension(format);

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
