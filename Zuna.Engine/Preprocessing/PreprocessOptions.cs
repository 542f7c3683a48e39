namespace Zuna.Engine.Preprocessing;

/// <summary>
/// Options of the ZUNA preprocessing chain (zuna.preprocessing() defaults: high-pass 0.5 Hz on, average reference on,
/// 5-s epochs at 256 Hz). <see cref="BadChannels"/> are user-named channels to reconstruct: zeroed after the
/// re-reference and exactly 0 in the epochs (matched case-insensitively, spaces removed).
/// </summary>
public sealed record PreprocessOptions
{
    /// <summary>
    /// Longest epoch any ZUNA generation takes: ZUNA1.1's RoPE table has 256 coarse steps of 32 samples (32 s).
    /// The loaded model checks its own limit when it runs (ZUNA 1.0: <see cref="Zuna10MaxEpochSamples"/>).
    /// </summary>
    public const int MaxEpochSamples = 8192;
    /// <summary>ZUNA 1.0's limit: 50 coarse steps of 32 samples (6.25 s).</summary>
    public const int Zuna10MaxEpochSamples = 1600;

    public bool HighPass { get; init; } = true;
    public bool AverageReference { get; init; } = true;
    public IReadOnlyList<string> BadChannels { get; init; } = [];
    public int EpochSamples { get; init; } = 1280;

    public static PreprocessOptions Default { get; } = new();

    /// <summary>Throws <see cref="InvalidOptionException"/> for values the model cannot take.</summary>
    public void Validate()
    {
        if (EpochSamples <= 0 || EpochSamples % 32 != 0 || EpochSamples > MaxEpochSamples)
            throw new InvalidOptionException($"epoch length {EpochSamples} samples is invalid: it must be a positive multiple of 32 and at most {MaxEpochSamples} (32 s at 256 Hz, ZUNA1.1; ZUNA 1.0 takes at most {Zuna10MaxEpochSamples}).");
        foreach (var name in BadChannels)
            if (string.IsNullOrWhiteSpace(name)) throw new InvalidOptionException("bad channel names must not be empty.");
    }
}
