using System.Globalization;
using System.Text.Json;
using Zuna.Engine.Inference;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Formatting;

/// <summary>
/// The metadata every output carries, with one set of keys for the CLI verbs and the HTTP service, so a file
/// explains itself whichever produced it. The input keys are those of the preprocessed layout (<c>channel_names</c>,
/// <c>n_epochs</c>, <c>sfreq</c>, <c>sfreq_in</c>, <c>global_mean</c>, <c>global_std</c>); then <c>model_id</c>,
/// <c>model_revision</c>, <c>model_sha256</c>; reconstructions add <c>seed</c>, <c>steps</c>, <c>cfg</c>,
/// <c>data_norm</c> and <c>units</c>. Values are strings; numbers in invariant culture, round-trip precision.
/// </summary>
public static class OutputMetadata
{
    /// <param name="operation">null: preprocessing only.</param>
    /// <param name="model">null when no model ran (preprocessing only).</param>
    /// <param name="sampler">The sampler settings of a reconstruction (with <paramref name="seed"/>); ignored otherwise.</param>
    public static IReadOnlyList<(string Key, string Value)> Describe(Operation? operation, Preprocessed input, ModelInfo? model,
        SamplerOptions? sampler = null, long seed = 0)
    {
        var entries = new List<(string, string)>
        {
            ("format", "zuna"),
            ("operation", operation switch { Operation.Embed => "embeddings", Operation.Reconstruct => "reconstructions", _ => "preprocess" }),
            ("channel_names", JsonSerializer.Serialize(input.ChannelNames)),
            ("n_epochs", Invariant(input.EpochCount)),
            ("sfreq", Invariant(Preprocessed.SampleRate)),
            ("sfreq_in", Invariant(input.SampleRateIn)),
            ("global_mean", Invariant(input.GlobalMean)),
            ("global_std", Invariant(input.GlobalStd)),
        };
        if (model is not null)
        {
            entries.Add(("model_id", model.ModelId));
            entries.Add(("model_revision", model.Revision));
            entries.Add(("model_sha256", model.WeightsSha256));
        }
        if (operation == Operation.Reconstruct && sampler is not null)
        {
            entries.Add(("seed", Invariant(seed)));
            entries.Add(("steps", Invariant(sampler.Steps)));
            entries.Add(("cfg", Invariant(sampler.Cfg)));
            entries.Add(("data_norm", Invariant(sampler.DataNorm)));
            entries.Add(("units", "z"));
        }
        return entries;
    }

    /// <summary>Adds the entries to a safetensors header.</summary>
    public static SafeTensorsWriter AddTo(SafeTensorsWriter writer, IEnumerable<(string Key, string Value)> entries)
    {
        foreach (var (key, value) in entries) writer.Metadata(key, value);
        return writer;
    }

    // Without a format string double and float print the shortest text that round-trips.
    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}
