namespace Zuna.Engine.Input.Eeglab;

/// <summary>
/// The separate data file of a .set whose EEG.data names one: the .fdt named there, else the one named after the .set
/// (MNE's fallback when the file was renamed), beside it or among an upload's parts. Its float32 values are
/// little-endian and multiplexed: all channels of one sample, then the next (epoch after epoch for epoched data).
/// </summary>
internal static class EeglabDataFile
{
    public static Stream Open(RecordingSource source, EeglabSet set)
    {
        string named = set.DataFile!;
        if (named.EndsWith(".dat", StringComparison.OrdinalIgnoreCase))
            throw new RecordingFormatException($"{source.Name}: its data file '{named}' is in EEGLAB's old .dat format; save the dataset again in a current EEGLAB (.fdt).");
        string fallback = Path.ChangeExtension(source.Name, ".fdt");
        return source.OpenCompanion(named) ?? source.OpenCompanion(fallback)
            ?? throw new RecordingFormatException($"{source.Name}: its data file '{named}' is missing (give it beside the .set, or as another part of the upload).");
    }
}
