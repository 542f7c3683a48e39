using Zuna.Engine.Outputs;
using Zuna.Engine.SafeTensors;

namespace Zuna.Engine.Input.Arrays;

/// <summary>
/// A recording stored as a named safetensors array: tensor <c>data</c> [channels, samples] (F32 or F64) and
/// <c>__metadata__</c> <c>channel_names</c> (JSON list), <c>sfreq</c> (Hz) and optionally <c>units</c> ("V", the
/// default, or "uV"). Told apart from the preprocessed layout (tensors <c>eeg</c> + <c>chan_pos</c>) by its tensors.
/// </summary>
public static class SafeTensorsArray
{
    public const string DataTensor = "data";

    public static bool Matches(SafeTensorsFile file) =>
        file.Tensors.ContainsKey(DataTensor) && !file.Tensors.ContainsKey(PreprocessedFile.EegTensor);

    public static RecordingContent Read(SafeTensorsFile file, RecordingSource source)
    {
        var entry = file.Entry(DataTensor);
        if (entry.Shape.Length != 2 || entry.Shape[0] <= 0 || entry.Shape[1] <= 0)
            throw new InvalidRecordingException($"{source.Name}: tensor '{DataTensor}' must be [channels, samples], is [{string.Join(", ", entry.Shape)}].");
        if (entry.Dtype is not ("F32" or "F64"))
            throw new InvalidRecordingException($"{source.Name}: tensor '{DataTensor}' is {entry.Dtype}; F32 or F64 volts are expected.");
        int channels = (int)entry.Shape[0], samples = checked((int)entry.Shape[1]);
        string[] names = PreprocessedFile.ReadNames(file, channels);
        double rate = ArrayRecording.SampleRate(source.Arrays, PreprocessedFile.ReadOptionalNumber(file, "sfreq"), source.Name);
        ArrayUnits? fileUnits = file.Metadata.TryGetValue("units", out var u) ? ArrayOptions.ParseUnits(u, $"{source.Name}: metadata 'units'") : null;
        double factor = ArrayOptions.Factor(source.Arrays.Units ?? fileUnits ?? ArrayUnits.Volts);

        double[] flat = file.ReadFloat64(DataTensor);
        var volts = new double[channels][];
        for (int c = 0; c < channels; c++)
        {
            volts[c] = flat.AsSpan(c * samples, samples).ToArray();
            for (int t = 0; t < samples; t++) volts[c][t] *= factor;
        }
        return ArrayRecording.Create(source.Name, names, rate, volts, entry.Dtype == "F64" ? "double" : "single", []);
    }
}
