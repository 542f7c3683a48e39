using System.Globalization;
using System.Text.Json;
using Zuna.Engine.Inference;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Engine.Outputs;

/// <summary>
/// A <see cref="Preprocessed"/> stored as safetensors, so preprocessing can run once and the embed/reconstruct
/// verbs and the HTTP service can take the result as input. Tensors: <c>eeg</c> F32 [E, C, T] (z-units) and
/// <c>chan_pos</c> F32 [C, 3] (metres, head frame). <c>__metadata__</c>: the <see cref="OutputMetadata"/> of a
/// preprocess output, of which <see cref="Read"/> needs <c>channel_names</c> (JSON list) and checks <c>n_epochs</c>,
/// <c>sfreq_in</c>, <c>global_mean</c> and <c>global_std</c> when present (invariant-culture round-trip numbers).
/// </summary>
public static class PreprocessedFile
{
    public const string EegTensor = "eeg";
    public const string PositionsTensor = "chan_pos";

    public static OutputLayout Layout(Preprocessed p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new OutputLayout(
            [
                TensorToWrite.Of(EegTensor, p.Epochs, p.EpochCount, p.ChannelCount, p.EpochSamples),
                TensorToWrite.Of(PositionsTensor, p.ChannelPositions, p.ChannelCount, 3),
            ],
            WithAnnotations(OutputMetadata.Describe(Operation.Preprocess, p, model: null), p));
    }

    /// <summary>The recording's annotations as <see cref="RepairFile.AnnotationsJson"/> lists them (seconds from its first
    /// sample), so a viewer of the preprocessed input can show them on its time axis; nothing when there are none.</summary>
    private static IReadOnlyList<(string Key, string Value)> WithAnnotations(IReadOnlyList<(string Key, string Value)> metadata, Preprocessed p) =>
        p.Origin is { Annotations.Count: > 0 } origin ? [.. metadata, ("annotations", RepairFile.AnnotationsJson(origin.Annotations))] : metadata;

    /// <summary>
    /// Reads and checks a preprocessed file; anything missing or inconsistent is an <see cref="InvalidRecordingException"/>.
    /// <c>sfreq_in</c>, <c>global_mean</c> and <c>global_std</c> may be absent (epochs made outside ZUNA's chain have no
    /// global statistics; only writing volts needs them), but a value that is there must be a finite number.
    /// </summary>
    public static Preprocessed Read(SafeTensorsFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        string src = file.Source;
        if (!file.Tensors.TryGetValue(EegTensor, out var eeg) || !file.Tensors.TryGetValue(PositionsTensor, out var pos))
            throw new InvalidRecordingException($"{src}: not a preprocessed ZUNA file (needs tensors '{EegTensor}' [epochs, channels, samples] and '{PositionsTensor}' [channels, 3]; found {string.Join(", ", file.Tensors.Keys.DefaultIfEmpty("none"))}).");
        if (eeg.Shape.Length != 3)
            throw new InvalidRecordingException($"{src}: '{EegTensor}' must have 3 dimensions [epochs, channels, samples], has [{string.Join(", ", eeg.Shape)}].");
        if (pos.Shape.Length != 2 || pos.Shape[1] != 3)
            throw new InvalidRecordingException($"{src}: '{PositionsTensor}' must be [channels, 3], is [{string.Join(", ", pos.Shape)}].");
        long epochs = eeg.Shape[0], channels = eeg.Shape[1], samples = eeg.Shape[2];
        if (pos.Shape[0] != channels)
            throw new InvalidRecordingException($"{src}: '{EegTensor}' has {channels} channels but '{PositionsTensor}' has {pos.Shape[0]}.");
        if (epochs < 1 || channels < 1)
            throw new InvalidRecordingException($"{src}: '{EegTensor}' holds no data (shape [{string.Join(", ", eeg.Shape)}]).");
        if (samples <= 0 || samples % 32 != 0 || samples > PreprocessOptions.MaxEpochSamples)
            throw new InvalidRecordingException($"{src}: epochs of {samples} samples are not usable (need a multiple of 32, at most {PreprocessOptions.MaxEpochSamples}; the model checks its own limit).");

        string[] names = ReadNames(file, (int)channels);
        double? sfreqIn = ReadOptionalNumber(file, "sfreq_in");
        double? mean = ReadOptionalNumber(file, "global_mean");
        double? std = ReadOptionalNumber(file, "global_std");
        if (file.Metadata.TryGetValue("n_epochs", out var nText) &&
            (!long.TryParse(nText, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) || n != epochs))
            throw new InvalidRecordingException($"{src}: metadata n_epochs '{nText}' does not match the {epochs} epochs in '{EegTensor}'.");

        float[] data, positions;
        try
        {
            data = file.ReadFloat32(EegTensor);
            positions = file.ReadFloat32(PositionsTensor);
        }
        catch (SafeTensorsFormatException e)
        {
            throw new InvalidRecordingException(e.Message);
        }
        return new Preprocessed(data, (int)epochs, (int)channels, (int)samples, positions, names, sfreqIn, mean, std);
    }

    internal static string[] ReadNames(SafeTensorsFile file, int channels)
    {
        if (!file.Metadata.TryGetValue("channel_names", out var json))
            throw new InvalidRecordingException($"{file.Source}: metadata 'channel_names' is missing.");
        string[]? names;
        try { names = JsonSerializer.Deserialize<string[]>(json); }
        catch (JsonException) { names = null; }
        if (names is null || names.Any(n => n is null))
            throw new InvalidRecordingException($"{file.Source}: metadata 'channel_names' is not a JSON list of strings.");
        if (names.Length != channels)
            throw new InvalidRecordingException($"{file.Source}: metadata 'channel_names' lists {names.Length} names for {channels} channels.");
        return names;
    }

    internal static double? ReadOptionalNumber(SafeTensorsFile file, string key)
    {
        if (!file.Metadata.TryGetValue(key, out var text)) return null;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            throw new InvalidRecordingException($"{file.Source}: metadata '{key}' = '{text}' is not a finite number.");
        return value;
    }
}
