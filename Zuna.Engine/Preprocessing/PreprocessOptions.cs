namespace Zuna.Engine.Preprocessing;

/// <summary>
/// Options of the ZUNA preprocessing chain (zuna.preprocessing() defaults: high-pass 0.5 Hz on, average reference on,
/// 5-s epochs at 256 Hz). <see cref="BadChannels"/> are user-named channels to reconstruct: zeroed after the
/// re-reference and exactly 0 in the epochs (matched case-insensitively, spaces removed).
/// </summary>
public sealed record PreprocessOptions
{
    public const int MaxEpochSamples = 1600; // the model's RoPE table has 50 coarse time steps of 32 samples

    public bool HighPass { get; init; } = true;
    public bool AverageReference { get; init; } = true;
    public IReadOnlyList<string> BadChannels { get; init; } = [];
    public int EpochSamples { get; init; } = 1280;

    public static PreprocessOptions Default { get; } = new();

    /// <summary>Throws <see cref="InvalidOptionException"/> for values the model cannot take.</summary>
    public void Validate()
    {
        if (EpochSamples <= 0 || EpochSamples % 32 != 0 || EpochSamples > MaxEpochSamples)
            throw new InvalidOptionException($"epoch length {EpochSamples} samples is invalid: it must be a positive multiple of 32 and at most {MaxEpochSamples} (6.25 s at 256 Hz).");
        foreach (var name in BadChannels)
            if (string.IsNullOrWhiteSpace(name)) throw new InvalidOptionException("bad channel names must not be empty.");
    }
}
