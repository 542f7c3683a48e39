namespace Zuna.Engine.Weights;

/// <summary>
/// Which ZUNA release a checkpoint belongs to. config.json does not say; the tensor names do
/// (docs/zuna11.md §2.4): ZUNA1.1 adds QK-norm and sandwich-norm gains and stores every plain RMSNorm gain as
/// <c>….norm.weight</c>.
/// </summary>
public enum ModelGeneration
{
    /// <summary>ZUNA 1.0 (Hugging Face <c>Zyphra/ZUNA</c>): 463 tensors, 50 position bins, channel-major tokens.</summary>
    Zuna10,
    /// <summary>ZUNA1.1 (Hugging Face <c>Zyphra/ZUNA1.1</c>): 639 tensors, QK-norm, sandwich norm, 100 bins, time-major tokens.</summary>
    Zuna11,
}

/// <summary>Names and detection of <see cref="ModelGeneration"/>.</summary>
public static class ModelGenerations
{
    /// <summary>"ZUNA1.0" or "ZUNA1.1", as /v1/info and the output metadata show it.</summary>
    public static string Name(ModelGeneration generation) => generation switch
    {
        ModelGeneration.Zuna10 => "ZUNA1.0",
        ModelGeneration.Zuna11 => "ZUNA1.1",
        _ => throw new ArgumentOutOfRangeException(nameof(generation), generation, "not a ZUNA generation."),
    };

    /// <summary>"ZUNA1.0" / "ZUNA1.1" back to the generation (case-insensitive); false for anything else.</summary>
    public static bool TryParse(string? name, out ModelGeneration generation)
    {
        foreach (var g in Enum.GetValues<ModelGeneration>())
        {
            if (string.Equals(Name(g), name, StringComparison.OrdinalIgnoreCase))
            {
                generation = g;
                return true;
            }
        }
        generation = default;
        return false;
    }

    /// <summary>
    /// The generation of a checkpoint from its tensor names (already without "model."): 1.1 when a QK-norm gain, a
    /// sandwich-norm gain or the wrapped final encoder norm exists; 1.0 when the plain 1.0 norm keys exist and none of
    /// the 1.1 keys do; anything else is not a ZUNA checkpoint.
    /// </summary>
    public static ModelGeneration Detect(IReadOnlyCollection<string> keys, string source)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var set = keys as IReadOnlySet<string> ?? keys.ToHashSet(StringComparer.Ordinal);
        if (set.Contains("encoder.layers.0.attention.q_norm.norm.weight")
            || set.Contains("encoder.layers.0.attention_norm_post.norm.weight")
            || set.Contains("encoder.norm.norm.weight"))
            return ModelGeneration.Zuna11;
        string? stray = keys.Where(k => k.Contains("q_norm", StringComparison.Ordinal) || k.Contains("_norm_post", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).FirstOrDefault();
        if (set.Contains("encoder.norm.weight") && set.Contains("encoder.layers.0.attention_norm.weight"))
            return stray is null
                ? ModelGeneration.Zuna10
                : throw new ModelLoadException($"{source}: ZUNA 1.0 tensor names together with '{stray}', a ZUNA1.1-style tensor; neither generation's key set.");
        throw new ModelLoadException(
            $"{source}: the tensor names match neither ZUNA 1.0 (encoder.norm.weight, encoder.layers.0.attention_norm.weight) " +
            "nor ZUNA1.1 (encoder.norm.norm.weight, encoder.layers.0.attention.q_norm.norm.weight); not a ZUNA checkpoint.");
    }
}
