namespace Zuna.Engine.Inference;

/// <summary>What a caller asks of a recording.</summary>
public enum Operation { Preprocess, Embed, Reconstruct }

/// <summary>The one spelling of each operation, as HTTP routes, job fields and output metadata use it.</summary>
public static class OperationNames
{
    public static string Name(Operation operation) => operation switch
    {
        Operation.Preprocess => "preprocess",
        Operation.Embed => "embeddings",
        Operation.Reconstruct => "reconstructions",
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, null),
    };

    /// <summary>The names above, plus the verbs "embed" and "reconstruct", in any case.</summary>
    public static bool TryParse(string? text, out Operation operation)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "preprocess": operation = Operation.Preprocess; return true;
            case "embeddings" or "embed": operation = Operation.Embed; return true;
            case "reconstructions" or "reconstruct": operation = Operation.Reconstruct; return true;
            default: operation = default; return false;
        }
    }
}
