using System.Globalization;
using System.Text.Json;
using Zuna.Engine.Inference;
using Zuna.Engine.Preprocessing;

namespace Zuna.Engine.Outputs;

/// <summary>
/// The metadata every output carries, built here only, so a file explains itself the same way whether the CLI or
/// the HTTP service wrote it. <c>format</c> and <c>operation</c> first; then the input's keys (<c>channel_names</c>,
/// <c>n_epochs</c>, <c>sfreq</c>, and <c>sfreq_in</c>, <c>global_mean</c>, <c>global_std</c> when the input has
/// them); then <c>model_id</c>, <c>model_revision</c>, <c>model_sha256</c>, <c>model_generation</c> ("ZUNA1.0" /
/// "ZUNA1.1") and <c>token_order</c> ("channel-major" / "time-major") when a model ran; reconstructions add
/// <c>seed</c>, <c>steps</c>, <c>cfg</c>, <c>data_norm</c>; outputs holding signals end with <c>units</c> ("z").
/// Values are strings (safetensors metadata); numbers in invariant culture with round-trip precision, see <see cref="IsNumber"/>.
/// </summary>
public static class OutputMetadata
{
    /// <param name="model">null when no model ran (preprocessing only).</param>
    /// <param name="sampler">The sampler settings of a reconstruction (with <paramref name="seed"/>); ignored otherwise.</param>
    public static IReadOnlyList<(string Key, string Value)> Describe(Operation operation, Preprocessed input, ModelInfo? model,
        SamplerOptions? sampler = null, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(input);
        var entries = new List<(string, string)>
        {
            ("format", "zuna"),
            ("operation", OperationNames.Name(operation)),
            ("channel_names", JsonSerializer.Serialize(input.ChannelNames)),
            ("n_epochs", Invariant(input.EpochCount)),
            ("sfreq", Invariant(Preprocessed.SampleRate)),
        };
        // Epochs brought from elsewhere (numpy) have no original rate or global statistics: absent, never made up.
        if (input.SampleRateIn is { } sampleRateIn) entries.Add(("sfreq_in", Invariant(sampleRateIn)));
        if (input.GlobalMean is { } mean) entries.Add(("global_mean", Invariant(mean)));
        if (input.GlobalStd is { } std) entries.Add(("global_std", Invariant(std)));
        // What the reader or the channel rule left out or repaired (e.g. EEG channels without a 10-05 name).
        if (input.Warnings.Count > 0) entries.Add(("warnings", JsonSerializer.Serialize(input.Warnings)));
        if (model is not null)
        {
            entries.Add(("model_id", model.ModelId));
            entries.Add(("model_revision", model.Revision));
            entries.Add(("model_sha256", model.WeightsSha256));
            // Which release ran, and so how latents/tok_idx tokens are ordered (1.0 channel-major, 1.1 time-major).
            entries.Add(("model_generation", model.Generation));
            entries.Add(("token_order", TokenLayout.For(model).OrderName));
        }
        if (operation == Operation.Reconstruct && sampler is not null)
        {
            entries.Add(("seed", Invariant(seed)));
            entries.Add(("steps", Invariant(sampler.Steps)));
            entries.Add(("sampler", sampler.Sampler.Name()));
            entries.Add(("cfg", Invariant(sampler.Cfg)));
            entries.Add(("data_norm", Invariant(sampler.DataNorm)));
        }
        // The signal arrays (preprocess "eeg", "reconstruction") are in z-units: globally z-scored, per-epoch mean
        // removed; the model itself sees clamp(z / data_norm, -1, 1). Volts exist only in a FIF reconstruction.
        if (operation == Operation.Preprocess || (operation == Operation.Reconstruct && sampler is not null)) entries.Add(("units", "z"));
        return entries;
    }

    /// <summary>Keys whose values are numbers (written as numbers in JSON; safetensors metadata holds only strings).</summary>
    public static bool IsNumber(string key) => key is "n_epochs" or "sfreq" or "sfreq_in" or "global_mean" or "global_std"
        or "seed" or "steps" or "cfg" or "data_norm";

    // Without a format string double and float print the shortest text that round-trips.
    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}
