using System.Globalization;
using Zuna.Engine;

namespace Zuna.Api.Endpoints;

/// <summary>
/// Parsing of form fields in the API's own words: empty or blank text is "not given" (null); text that does not parse
/// is an <see cref="InvalidOptionException"/> (400) naming the field as the client sent it.
/// </summary>
public static class FormValue
{
    public static string? Text(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <summary>
    /// The output format a synchronous endpoint was asked for: <c>?format=</c>, else a <c>format</c> form field (as
    /// <c>POST /v1/jobs</c> takes it), so neither way is silently ignored. The form was read by the upload's binding.
    /// </summary>
    public static string? Format(string? query, Microsoft.AspNetCore.Http.HttpRequest request) =>
        Text(query) ?? (request.HasFormContentType ? Text(request.Form["format"]) : null);

    public static string[] Names(string? text) =>
        Text(text) is { } names ? names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];

    public static int? Int(string? text, string field) => Parse<int>(text, field, "an integer",
        t => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : null);

    public static long? Long(string? text, string field) => Parse<long>(text, field, "an integer",
        t => long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) ? v : null);

    public static float? Float(string? text, string field) => Parse<float>(text, field, "a number",
        t => float.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) ? v : null);

    public static bool? Bool(string? text, string field) => Parse<bool>(text, field, "true or false",
        t => t.ToLowerInvariant() switch { "true" or "1" or "on" => true, "false" or "0" or "off" => false, _ => (bool?)null });

    private static T? Parse<T>(string? text, string field, string expected, Func<string, T?> parse) where T : struct =>
        Text(text) is not { } given ? null
        : parse(given) ?? throw new InvalidOptionException($"{field} must be {expected} (got '{given}').");
}
