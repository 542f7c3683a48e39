using System.Globalization;

namespace Zuna.Engine.Repair;

/// <summary>
/// A manual bad span: [Start, Stop) seconds from the first sample of the data, on every channel or on
/// <see cref="Channel"/> only (matched case-insensitively; a name the recording lacks is ignored with a warning).
/// </summary>
public sealed record BadSegment(double Start, double Stop, string? Channel = null)
{
    /// <summary>
    /// Parses "10.0-10.7,2.2-2.3:C4": comma-separated spans "start-stop", each optionally ":channel".
    /// Empty or whitespace text is no span.
    /// </summary>
    public static IReadOnlyList<BadSegment> ParseList(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        var result = new List<BadSegment>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            result.Add(Parse(part));
        return result;
    }

    /// <summary>One span, "start-stop" or "start-stop:channel".</summary>
    public static BadSegment Parse(string text)
    {
        string span = text.Trim(), channel = "";
        int colon = span.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            channel = span[(colon + 1)..].Trim();
            span = span[..colon].Trim();
            if (channel.Length == 0) throw Invalid(text, "the channel after ':' is empty");
        }
        // Split at the '-' that follows the first number, so "10-10.7" and "10.0-10.7" both work.
        int dash = span.IndexOf('-', 1);
        if (dash <= 0) throw Invalid(text, "expected start-stop");
        if (!TryNumber(span[..dash], out double start) || !TryNumber(span[(dash + 1)..], out double stop))
            throw Invalid(text, "start and stop must be numbers of seconds");
        if (start < 0) throw Invalid(text, "start must not be negative");
        if (stop <= start) throw Invalid(text, "stop must be after start");
        return new BadSegment(start, stop, channel.Length == 0 ? null : channel);
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Start}-{Stop}") + (Channel is null ? "" : ":" + Channel);

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    private static InvalidOptionException Invalid(string text, string why) =>
        new($"bad segment '{text}' is not valid: {why} (use start-stop or start-stop:channel, in seconds, e.g. 10.0-10.7,2.2-2.3:C4).");
}
