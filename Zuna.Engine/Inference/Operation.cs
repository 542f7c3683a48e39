namespace Zuna.Engine.Inference;

/// <summary>What a request or a CLI verb produces from a recording.</summary>
public enum Operation { Preprocess, Embed, Reconstruct, Repair }

/// <summary>
/// The one table of operation names: the name written into output metadata and job snapshots, and the names a
/// client may ask for (the canonical names, plus the verb forms "embed" and "reconstruct").
/// </summary>
public static class OperationNames
{
    // Canonical names first: Name() takes the first entry for an operation, TryParse accepts every entry.
    private static readonly (string Name, Operation Operation)[] Table =
    [
        ("preprocess", Operation.Preprocess),
        ("embeddings", Operation.Embed),
        ("reconstructions", Operation.Reconstruct),
        ("embed", Operation.Embed),
        ("reconstruct", Operation.Reconstruct),
        ("repairs", Operation.Repair),
        ("repair", Operation.Repair),
    ];

    /// <summary>"preprocess", "embeddings" or "reconstructions".</summary>
    public static string Name(Operation operation)
    {
        foreach (var entry in Table)
            if (entry.Operation == operation) return entry.Name;
        throw new ArgumentOutOfRangeException(nameof(operation), operation, "not an operation.");
    }

    /// <summary>Any name of the table, case-insensitive; false for anything else.</summary>
    public static bool TryParse(string? text, out Operation operation)
    {
        foreach (var entry in Table)
        {
            if (string.Equals(entry.Name, text, StringComparison.OrdinalIgnoreCase))
            {
                operation = entry.Operation;
                return true;
            }
        }
        operation = default;
        return false;
    }
}
