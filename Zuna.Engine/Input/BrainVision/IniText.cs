namespace Zuna.Engine.Input.BrainVision;

/// <summary>
/// The INI dialect of BrainVision headers as Python's configparser reads it for MNE: sections by exact name, keys
/// lower-cased, the first '=' or ':' splits key and value, whole-line ';'/'#' comments, indented lines continue a value.
/// </summary>
internal sealed class IniText
{
    private readonly Dictionary<string, List<KeyValuePair<string, string>>> _sections = new(StringComparer.Ordinal);

    public IniText(string text)
    {
        List<KeyValuePair<string, string>>? current = null;
        foreach (string rawLine in text.Split('\n'))
        {
            string line = rawLine.TrimEnd('\r');
            string trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed[0] is ';' or '#') continue;
            if (current is { Count: > 0 } && char.IsWhiteSpace(line[0]))
            {
                var last = current[^1];
                current[^1] = new(last.Key, last.Value + "\n" + trimmed);
                continue;
            }
            if (line.StartsWith('[') && line.LastIndexOf(']') > 1)
            {
                string section = line[1..line.LastIndexOf(']')];
                if (!_sections.TryGetValue(section, out current)) _sections[section] = current = [];
                continue;
            }
            int split = line.IndexOfAny(['=', ':']);
            if (current is null || split < 0) continue;
            current.Add(new(line[..split].Trim().ToLowerInvariant(), line[(split + 1)..].Trim()));
        }
    }

    public bool HasSection(string section) => _sections.ContainsKey(section);

    public IReadOnlyList<KeyValuePair<string, string>> Items(string section) =>
        _sections.TryGetValue(section, out var items) ? items : [];

    public string? Get(string section, string key) =>
        Items(section).LastOrDefault(kv => kv.Key == key.ToLowerInvariant()).Value;
}
